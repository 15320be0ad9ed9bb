package session

// ring keeps the most recent output of a session, addressed by absolute
// offsets: byte n of the session's output has offset n for the whole life
// of the session, whatever the ring has dropped since. The storage grows on
// demand up to the capacity, so a quiet session does not pay for a full
// ring. A ring is not safe for concurrent use; the session actor owns it.
type ring struct {
	data     []byte
	capacity int
	end      int64 // offset one past the newest byte
}

func newRing(capacity int) *ring {
	return &ring{capacity: capacity}
}

// Start returns the offset of the oldest byte still held.
func (r *ring) Start() int64 {
	if r.end < int64(r.capacity) {
		return 0
	}
	return r.end - int64(r.capacity)
}

// End returns the offset one past the newest byte.
func (r *ring) End() int64 { return r.end }

// Write appends p, dropping the oldest bytes beyond the capacity.
func (r *ring) Write(p []byte) {
	if len(p) == 0 {
		return
	}
	if len(r.data) < r.capacity {
		r.grow(len(p))
	}
	if len(p) > r.capacity {
		r.end += int64(len(p) - r.capacity)
		p = p[len(p)-r.capacity:]
	}
	pos := int(r.end % int64(r.capacity))
	n := copy(r.data[pos:], p)
	copy(r.data, p[n:])
	r.end += int64(len(p))
}

// grow enlarges the storage while the ring has not wrapped yet, so that the
// offset-to-index mapping (offset modulo capacity) stays valid.
func (r *ring) grow(extra int) {
	need := int(r.end) + extra
	if need <= len(r.data) {
		return
	}
	size := max(need, 2*len(r.data), 4096)
	size = min(size, r.capacity)
	grown := make([]byte, size, size)
	copy(grown, r.data[:r.end])
	r.data = grown
}

// ReadFrom returns a copy of at most limit bytes starting at offset from,
// and the offset of the first returned byte. An offset older than Start is
// moved up to Start; one past End returns nothing. limit <= 0 means no
// limit.
func (r *ring) ReadFrom(from int64, limit int) ([]byte, int64) {
	from = max(from, r.Start())
	if from >= r.end {
		return nil, r.end
	}
	n := int(r.end - from)
	if limit > 0 && n > limit {
		n = limit
	}
	out := make([]byte, n)
	pos := int(from % int64(r.capacity))
	copied := copy(out, r.data[pos:min(len(r.data), pos+n)])
	copy(out[copied:], r.data[:n-copied])
	return out, from
}

// Tail returns a copy of the newest n bytes (fewer if the ring holds less)
// and the offset of the first of them.
func (r *ring) Tail(n int) ([]byte, int64) {
	return r.ReadFrom(r.end-int64(n), 0)
}
