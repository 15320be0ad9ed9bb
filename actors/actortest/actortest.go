// Package actortest holds helpers for tests of actors: a fresh actor system
// per test, a probe actor that records what it receives, and a logger that
// writes into the test log.
package actortest

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// NewSystem returns a fresh ActorSystem whose logs go to t.Log at warn
// level and above, shut down when the test ends.
func NewSystem(t testing.TB) *actor.ActorSystem {
	t.Helper()
	logger := Logger(t)
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return logger.With("lib", "protoactor")
	}))
	t.Cleanup(system.Shutdown)
	return system
}

// Logger returns a slog logger that writes into the test log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// Probe is an actor that records every user message it receives.
type Probe struct {
	PID *actor.PID

	mu       sync.Mutex
	messages []any
	arrived  chan struct{}
}

// NewProbe spawns a probe in system.
func NewProbe(t testing.TB, system *actor.ActorSystem) *Probe {
	t.Helper()
	p := &Probe{arrived: make(chan struct{}, 1)}
	p.PID = system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case actor.SystemMessage, actor.AutoReceiveMessage:
			return
		}
		p.mu.Lock()
		p.messages = append(p.messages, ctx.Message())
		p.mu.Unlock()
		select {
		case p.arrived <- struct{}{}:
		default:
		}
	}))
	return p
}

// Messages returns a copy of what the probe received so far.
func (p *Probe) Messages() []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]any(nil), p.messages...)
}

// WaitFor waits until match accepts a received message and returns it; it
// fails the test after timeout.
func (p *Probe) WaitFor(t testing.TB, timeout time.Duration, match func(any) bool) any {
	t.Helper()
	deadline := time.After(timeout)
	seen := 0
	for {
		messages := p.Messages()
		for _, m := range messages[seen:] {
			if match(m) {
				return m
			}
		}
		seen = len(messages)
		select {
		case <-p.arrived:
		case <-deadline:
			t.Fatalf("probe: no matching message within %s; received %d messages", timeout, len(messages))
			return nil
		}
	}
}
