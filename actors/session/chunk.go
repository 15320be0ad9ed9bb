package session

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// Size classes of pooled chunk buffers: 4, 8, 16 and 32 KiB. PTY reads are
// at most readBufferSize, and usually about 4 KiB.
const (
	minChunkShift = 12
	chunkClasses  = 4
)

var chunkPools [chunkClasses]sync.Pool

// chunk is a copy of one output read, shared by every viewer that queued
// it. Each holder releases it once. The last release returns the buffer
// to a pool, so a flood of output does not allocate a buffer per read.
type chunk struct {
	data  []byte
	class int
	refs  atomic.Int32
}

// newChunk returns a chunk holding a copy of p with one reference, owned
// by the caller.
func newChunk(p []byte) *chunk {
	class := max(0, bits.Len(uint(len(p)-1))-minChunkShift)
	if class >= chunkClasses {
		c := &chunk{data: append([]byte(nil), p...), class: -1}
		c.refs.Store(1)
		return c
	}
	c, _ := chunkPools[class].Get().(*chunk)
	if c == nil {
		c = &chunk{data: make([]byte, 0, 1<<(minChunkShift+class)), class: class}
	}
	c.data = append(c.data[:0], p...)
	c.refs.Store(1)
	return c
}

func (c *chunk) retain() { c.refs.Add(1) }

func (c *chunk) release() {
	switch refs := c.refs.Add(-1); {
	case refs > 0:
	case refs == 0 && c.class >= 0:
		chunkPools[c.class].Put(c)
	case refs < 0:
		panic("session: output chunk released more often than retained")
	}
}
