package audit

import (
	"sync"

	"github.com/opendray/opendray/internal/event"
)

// queuedEvent is an event with its position in the queue's history.
type queuedEvent struct {
	seq   uint64
	event event.Event
}

// pendingQueue is the bounded FIFO of events waiting to be written. The bus
// handler pushes on the publisher's goroutine and the actor reads, so it
// is guarded by a mutex instead of living in the actor's mailbox, which
// protoactor does not bound.
type pendingQueue struct {
	max int

	// mu guards every field below.
	mu      sync.Mutex
	events  []queuedEvent
	nextSeq uint64
	dropped int
}

func newPendingQueue(max int) *pendingQueue {
	return &pendingQueue{max: max}
}

// push appends e, dropping the oldest event when the queue is full, and
// returns the new length.
func (q *pendingQueue) push(e event.Event) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.events) >= q.max {
		q.events[0] = queuedEvent{}
		q.events = q.events[1:]
		q.dropped++
	}
	q.nextSeq++
	q.events = append(q.events, queuedEvent{seq: q.nextSeq, event: e})
	return len(q.events)
}

// peek returns a copy of the oldest n events or fewer.
func (q *pendingQueue) peek(n int) []queuedEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.events))
	return append([]queuedEvent(nil), q.events[:n]...)
}

// removeThrough deletes every event up to and including sequence number
// seq. Events that push dropped after a peek are already gone, so this
// never deletes an event that was not written.
func (q *pendingQueue) removeThrough(seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.events) > 0 && q.events[0].seq <= seq {
		q.events[0] = queuedEvent{}
		q.events = q.events[1:]
	}
}

func (q *pendingQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}

// takeDropped returns the number of events dropped since the last call.
func (q *pendingQueue) takeDropped() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.dropped
	q.dropped = 0
	return n
}
