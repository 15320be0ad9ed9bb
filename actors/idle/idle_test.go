package idle

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// probe records the Silent messages a session would receive.
type probe struct{ silent chan *Silent }

func (p *probe) Receive(ctx actor.Context) {
	if msg, ok := ctx.Message().(*Silent); ok {
		p.silent <- msg
	}
}

func startDetector(t *testing.T) (*actor.ActorSystem, *actor.PID, *actor.PID, chan *Silent, *fakeClock) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	throttle := goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1")
	t.Cleanup(func() { goleak.VerifyNone(t, ignore, throttle) })

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return logger }))
	t.Cleanup(system.Shutdown)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	detector, err := system.Root.SpawnNamed(NewProps(Config{
		Threshold: 30 * time.Second, Interval: 10 * time.Millisecond, Logger: logger, Now: clock.Now,
	}), "idle")
	if err != nil {
		t.Fatal(err)
	}
	silent := make(chan *Silent, 16)
	session, err := system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return &probe{silent: silent} }), "session")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := system.Root.StopFuture(detector).Wait(); err != nil {
			t.Error(err)
		}
		if err := system.Root.StopFuture(session).Wait(); err != nil {
			t.Error(err)
		}
	})
	return system, detector, session, silent, clock
}

func expectSilent(t *testing.T, silent chan *Silent) *Silent {
	t.Helper()
	select {
	case msg := <-silent:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("no Silent within 5s")
		return nil
	}
}

func expectNoSilent(t *testing.T, silent chan *Silent) {
	t.Helper()
	select {
	case msg := <-silent:
		t.Fatalf("got %+v; want no Silent", msg)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestDetectorSilentOncePerSilence(t *testing.T) {
	system, detector, session, silent, clock := startDetector(t)
	start := clock.Now()
	system.Root.Send(detector, &Track{SessionID: "s1", Session: session, LastOutput: start})

	clock.Advance(29 * time.Second)
	expectNoSilent(t, silent)

	clock.Advance(2 * time.Second)
	msg := expectSilent(t, silent)
	if msg.SessionID != "s1" || !msg.LastOutput.Equal(start) || msg.Threshold != 30*time.Second {
		t.Errorf("Silent = %+v; want s1, last output at start, threshold 30s", msg)
	}
	clock.Advance(time.Minute)
	expectNoSilent(t, silent)

	// New output starts a new silence.
	system.Root.Send(detector, &Activity{SessionID: "s1", At: clock.Now()})
	clock.Advance(10 * time.Second)
	expectNoSilent(t, silent)
	clock.Advance(25 * time.Second)
	expectSilent(t, silent)
}

func TestDetectorIgnoresStaleActivity(t *testing.T) {
	system, detector, session, silent, clock := startDetector(t)
	system.Root.Send(detector, &Track{SessionID: "s1", Session: session, LastOutput: clock.Now()})
	system.Root.Send(detector, &Activity{SessionID: "s1", At: clock.Now().Add(-time.Hour)})
	clock.Advance(31 * time.Second)
	expectSilent(t, silent)
}

func TestDetectorUntrackStopsChecks(t *testing.T) {
	system, detector, session, silent, clock := startDetector(t)
	system.Root.Send(detector, &Track{SessionID: "s1", Session: session, LastOutput: clock.Now()})
	system.Root.Send(detector, &Untrack{SessionID: "s1"})
	system.Root.Send(detector, &Activity{SessionID: "s1", At: clock.Now()})
	clock.Advance(time.Hour)
	expectNoSilent(t, silent)
}

func TestDetectorActivityTracksUnknownSession(t *testing.T) {
	system, detector, session, silent, clock := startDetector(t)
	system.Root.Send(detector, &Activity{SessionID: "s2", Session: session, At: clock.Now()})
	clock.Advance(31 * time.Second)
	if msg := expectSilent(t, silent); msg.SessionID != "s2" {
		t.Errorf("Silent for %s; want s2", msg.SessionID)
	}
}
