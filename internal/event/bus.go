package event

import (
	"time"

	"github.com/asynkron/protoactor-go/eventstream"
)

// Bus publishes events on a protoactor event stream and lets subscribers
// receive only values of this package's Event types.
type Bus struct {
	stream *eventstream.EventStream
	now    func() time.Time
}

// NewBus wraps stream, usually the ActorSystem's EventStream.
func NewBus(stream *eventstream.EventStream) *Bus {
	return &Bus{stream: stream, now: time.Now}
}

// Publish stamps e with the current time when its Time is zero and delivers
// it to every subscriber. Handlers run on the publisher's goroutine, so they
// must only hand the event on (for example with an actor Send) and return.
func (b *Bus) Publish(e Event) {
	if e.meta().Time.IsZero() {
		e.meta().Time = b.now()
	}
	b.stream.Publish(e)
}

// Subscription is a registered handler; pass it to Unsubscribe.
type Subscription = eventstream.Subscription

// Subscribe registers handler for every Event published on the bus.
func (b *Bus) Subscribe(handler func(Event)) *Subscription {
	// The filter runs inside the handler: SubscribeWithPredicate (protoactor-go
	// v0.0.0-20240822202345) sets the predicate after the subscription is
	// visible to Publish and without a lock, a data race with a concurrent
	// Publish.
	return b.stream.Subscribe(func(msg interface{}) {
		if e, ok := msg.(Event); ok {
			handler(e)
		}
	})
}

// Unsubscribe removes a handler registered with Subscribe.
func (b *Bus) Unsubscribe(sub *Subscription) {
	b.stream.Unsubscribe(sub)
}
