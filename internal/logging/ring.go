package logging

import (
	"sync"
	"time"
)

// DefaultRingSize is the number of records the ring keeps.
const DefaultRingSize = 2000

// Record is one log record as the ring keeps it.
type Record struct {
	Seq     uint64         `json:"seq"`
	Time    time.Time      `json:"time"`
	Level   string         `json:"level"`
	Message string         `json:"message"`
	Attrs   map[string]any `json:"attrs,omitempty"`
}

// Ring keeps the most recent records, numbered from 1 without gaps, and
// wakes subscribers when records arrive. It is safe for concurrent use.
type Ring struct {
	mu          sync.Mutex
	records     []Record // circular, len == capacity once full
	next        int      // index the next record goes to
	lastSeq     uint64
	subscribers map[chan struct{}]struct{}
}

// NewRing returns a ring that keeps up to capacity records.
func NewRing(capacity int) *Ring {
	if capacity < 1 {
		capacity = 1
	}
	return &Ring{records: make([]Record, 0, capacity), subscribers: map[chan struct{}]struct{}{}}
}

// Append numbers r, stores it, and wakes every subscriber. The caller must
// not modify r.Attrs afterwards.
func (r *Ring) Append(rec Record) {
	r.mu.Lock()
	r.lastSeq++
	rec.Seq = r.lastSeq
	if len(r.records) < cap(r.records) {
		r.records = append(r.records, rec)
	} else {
		r.records[r.next] = rec
	}
	r.next = (r.next + 1) % cap(r.records)
	for ch := range r.subscribers {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	r.mu.Unlock()
}

// LastSeq returns the sequence number of the newest record, 0 when empty.
func (r *Ring) LastSeq() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastSeq
}

// Since returns up to limit records with a sequence number above seq, oldest
// first, and how many records after seq the ring no longer holds. A limit of
// 0 or less means no limit.
func (r *Ring) Since(seq uint64, limit int) (records []Record, missed uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()

	count := len(r.records)
	oldest := r.lastSeq - uint64(count) + 1 // sequence of the oldest kept record
	if count == 0 || seq >= r.lastSeq {
		return nil, 0
	}
	if seq+1 < oldest {
		missed = oldest - seq - 1
		seq = oldest - 1
	}
	n := int(r.lastSeq - seq)
	if limit > 0 && n > limit {
		n = limit
	}
	start := count - int(r.lastSeq-seq) // position of seq+1 counted from the oldest
	records = make([]Record, 0, n)
	for i := 0; i < n; i++ {
		records = append(records, r.recordAtLocked(start+i))
	}
	return records, missed
}

// Tail returns the newest n records, oldest first.
func (r *Ring) Tail(n int) []Record {
	r.mu.Lock()
	last := r.lastSeq
	count := len(r.records)
	r.mu.Unlock()
	if n <= 0 || n > count {
		n = count
	}
	records, _ := r.Since(last-uint64(n), n)
	return records
}

// recordAtLocked returns the i-th kept record counted from the oldest.
func (r *Ring) recordAtLocked(i int) Record {
	if len(r.records) < cap(r.records) {
		return r.records[i]
	}
	return r.records[(r.next+i)%cap(r.records)]
}

// Subscribe returns a channel that receives a value after new records
// arrive (several arrivals may share one wake-up) and a function that ends
// the subscription.
func (r *Ring) Subscribe() (wake <-chan struct{}, cancel func()) {
	ch := make(chan struct{}, 1)
	r.mu.Lock()
	r.subscribers[ch] = struct{}{}
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		delete(r.subscribers, ch)
		r.mu.Unlock()
	}
}
