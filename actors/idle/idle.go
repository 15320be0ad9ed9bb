// Package idle holds the idle detector: the actor that notices when a
// running session has produced no output for the idle threshold.
//
// Sessions register with Track when their process starts and leave with
// Untrack when it ends. While output flows, a session sends Activity at
// most once per check interval, not once per chunk. On each tick the
// detector sends Silent to every tracked session whose last reported
// output is older than the threshold, once per silence. The session
// checks its own clock, because its last report can be up to one interval
// old: it either becomes idle (and publishes session.idle) or answers with
// a fresh Activity. The next Activity starts a new silence.
//
// The detector keeps no state worth saving: after a restart each session's
// next Activity tracks it again. A session that stays silent across the
// restart is not tracked until its next output.
package idle

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"
)

// Config sets the silence that makes a session idle and how often the
// detector checks.
type Config struct {
	Threshold time.Duration
	Interval  time.Duration
	Logger    *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Track registers a session whose process has started.
type Track struct {
	SessionID  string
	Session    *actor.PID
	LastOutput time.Time
}

// Untrack removes a session whose process has ended.
type Untrack struct{ SessionID string }

// Activity reports the time of a session's latest output. It also tracks
// a session the detector does not know, as after a detector restart.
type Activity struct {
	SessionID string
	Session   *actor.PID
	At        time.Time
}

// Silent notifies a session that its last output reported to the detector
// is at least the threshold old.
type Silent struct {
	SessionID  string
	LastOutput time.Time
	Threshold  time.Duration
}

type tick struct{}

type tracked struct {
	pid        *actor.PID
	lastOutput time.Time
	notified   bool // Silent sent for the current silence
}

// Detector is the idle detector actor. Started begins a repeating tick of
// Config.Interval through the protoactor scheduler; Stopping cancels it.
// Nothing needs a stop budget beyond that.
type Detector struct {
	cfg      Config
	sessions map[string]*tracked
	cancel   scheduler.CancelFunc
}

// NewProps returns the props of a detector with cfg. It panics on a
// non-positive threshold or interval, which config validation rejects
// first.
func NewProps(cfg Config) *actor.Props {
	if cfg.Threshold <= 0 || cfg.Interval <= 0 {
		panic(fmt.Sprintf("idle: threshold %v and interval %v must be positive", cfg.Threshold, cfg.Interval))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return actor.PropsFromProducer(func() actor.Actor {
		return &Detector{cfg: cfg, sessions: map[string]*tracked{}}
	})
}

// Receive handles the detector's messages.
func (d *Detector) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		timer := scheduler.NewTimerScheduler(ctx)
		d.cancel = timer.SendRepeatedly(d.cfg.Interval, d.cfg.Interval, ctx.Self(), &tick{})
		d.cfg.Logger.Debug("idle detector started", slog.Duration("threshold", d.cfg.Threshold), slog.Duration("interval", d.cfg.Interval))

	case *actor.Stopping:
		if d.cancel != nil {
			d.cancel()
		}

	case *Track:
		d.sessions[msg.SessionID] = &tracked{pid: msg.Session, lastOutput: msg.LastOutput}

	case *Untrack:
		delete(d.sessions, msg.SessionID)

	case *Activity:
		s, ok := d.sessions[msg.SessionID]
		if !ok {
			if msg.Session != nil {
				d.sessions[msg.SessionID] = &tracked{pid: msg.Session, lastOutput: msg.At}
			}
			return
		}
		if msg.At.After(s.lastOutput) {
			s.lastOutput = msg.At
			s.notified = false
		}

	case *tick:
		d.check(ctx)
	}
}

func (d *Detector) check(ctx actor.Context) {
	now := d.cfg.Now()
	for id, s := range d.sessions {
		if s.notified || now.Sub(s.lastOutput) < d.cfg.Threshold {
			continue
		}
		s.notified = true
		ctx.Send(s.pid, &Silent{SessionID: id, LastOutput: s.lastOutput, Threshold: d.cfg.Threshold})
	}
}
