package session

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/opendray/opendray/actors/idle"
	"github.com/opendray/opendray/internal/event"
)

func fastIdle(cfg *Config) {
	cfg.IdleThreshold = 400 * time.Millisecond
	cfg.IdleInterval = 50 * time.Millisecond
}

func TestSessionIdleOncePerSilenceThenRunning(t *testing.T) {
	h := newHarness(t, fastIdle)
	info := h.create("/bin/cat")
	att, err := h.client.Attach(h.ctx(), info.ID, AttachOptions{Since: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer att.Viewer.Close()

	idleEvent := nextEvent[*event.SessionIdle](h, info.ID, 5*time.Second)
	if idleEvent.Viewers != 1 {
		t.Errorf("session.idle viewers = %d; want 1", idleEvent.Viewers)
	}
	if idleEvent.SilentSeconds < 0.4 {
		t.Errorf("session.idle silent_s = %v; want at least the 0.4s threshold", idleEvent.SilentSeconds)
	}
	d := h.waitState(info.ID, StateIdle, time.Second)
	if d.IdleSince == nil {
		t.Error("idle_since is nil while idle")
	}
	rec, err := h.db.GetSession(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != "idle" {
		t.Errorf("stored state = %s; want idle", rec.State)
	}

	// One silence, one event: nothing more while it stays silent.
	select {
	case e := <-h.events:
		if _, again := e.(*event.SessionIdle); again {
			t.Fatalf("second session.idle in one silence")
		}
	case <-time.After(1200 * time.Millisecond):
	}

	if err := h.client.Input(h.ctx(), info.ID, []byte("wake\n")); err != nil {
		t.Fatal(err)
	}
	nextEvent[*event.SessionRunning](h, info.ID, 5*time.Second)
	d = h.waitState(info.ID, StateRunning, time.Second)
	if d.IdleSince != nil || d.LastOutputAt == nil {
		t.Errorf("idle_since %v, last_output_at %v; want nil and set", d.IdleSince, d.LastOutputAt)
	}
	nextEvent[*event.SessionIdle](h, info.ID, 5*time.Second)
}

// activityCounter replaces the idle detector and counts activity reports.
type activityCounter struct{ count *atomic.Int64 }

func (a *activityCounter) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*idle.Activity); ok {
		a.count.Add(1)
	}
}

func TestSessionActivityReportsArePerInterval(t *testing.T) {
	var count atomic.Int64
	h := newHarness(t, func(cfg *Config) {
		cfg.IdleThreshold = 10 * time.Second
		cfg.IdleInterval = 200 * time.Millisecond
	}, func(system *actor.ActorSystem, deps *Deps) {
		pid, err := system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
			return &activityCounter{count: &count}
		}), "counter")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
		deps.Idle = pid
	})
	// About two seconds of steady output in many small chunks.
	info := h.create("/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do echo tick $i; sleep 0.01; i=$((i+1)); done")
	h.waitState(info.ID, StateEnded, 20*time.Second)

	buf, err := h.client.Buffer(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := h.client.Get(h.ctx(), info.ID)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := d.EndedAt.Sub(*d.StartedAt)
	maxReports := int64(elapsed/(200*time.Millisecond)) + 2
	if got := count.Load(); got > maxReports {
		t.Errorf("%d activity reports for %d bytes over %v; want at most %d (one per interval)", got, buf.End, elapsed, maxReports)
	}
	if count.Load() < 2 {
		t.Errorf("%d activity reports; want several during two seconds of output", count.Load())
	}
}
