package session

import (
	"bytes"
	"testing"
)

func TestChunkSizeClasses(t *testing.T) {
	cases := []struct{ size, class, capacity int }{
		{1, 0, 4096},
		{4096, 0, 4096},
		{4097, 1, 8192},
		{32 << 10, 3, 32 << 10},
		{32<<10 + 1, -1, 32<<10 + 1},
	}
	for _, c := range cases {
		data := bytes.Repeat([]byte("x"), c.size)
		got := newChunk(data)
		if got.class != c.class || cap(got.data) < c.capacity || !bytes.Equal(got.data, data) {
			t.Errorf("newChunk(%d bytes): class %d, cap %d; want class %d, cap at least %d with the bytes copied",
				c.size, got.class, cap(got.data), c.class, c.capacity)
		}
		got.release()
	}
}

func TestChunkReleasePanicsWhenOverReleased(t *testing.T) {
	c := newChunk([]byte("abc"))
	c.retain()
	c.release()
	c.release()
	defer func() {
		if recover() == nil {
			t.Error("a third release did not panic")
		}
	}()
	c.release()
}
