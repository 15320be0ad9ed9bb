package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os/exec"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/opendray/opendray/actors/idle"
	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/store"
)

// Deps are the collaborators of the registry, its sessions and the Client.
type Deps struct {
	DB  *store.DB
	Bus *event.Bus
	// Idle is the idle detector; nil turns idle detection off.
	Idle   *actor.PID
	Logger *slog.Logger
	// LookPath finds provider executables; nil means exec.LookPath.
	LookPath func(string) (string, error)
}

func (d Deps) withDefaults() *Deps {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.LookPath == nil {
		d.LookPath = exec.LookPath
	}
	return &d
}

// IdleConfig returns the idle detector settings of c.
func (c Config) IdleConfig(logger *slog.Logger) idle.Config {
	return idle.Config{Threshold: c.IdleThreshold, Interval: c.IdleInterval, Logger: logger}
}

// registry is the parent of every session actor and routes requests to
// them by session id.
//
// Lifecycle: Started marks sessions that a dead gateway left pending,
// running or idle as ended. Stopping needs nothing of its own: protoactor
// then stops the session actors, each of which ends its process within
// Config.StopGrace plus a few seconds (call Client.StopAll first to end
// them all in parallel within a budget). The registry must not be
// restarted: a restart would stop every session.
type registry struct {
	cfg      Config
	deps     *Deps
	sessions map[string]*actor.PID
}

// NewRegistryProps returns the props of the sessions registry.
func NewRegistryProps(cfg Config, deps Deps) *actor.Props {
	resolved := deps.withDefaults()
	return actor.PropsFromProducer(func() actor.Actor {
		return &registry{cfg: cfg, deps: resolved, sessions: map[string]*actor.PID{}}
	}, actor.WithSupervisor(actor.NewOneForOneStrategy(0, time.Second, func(any) actor.Directive {
		return actor.StopDirective
	})))
}

func (r *registry) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		r.endOrphans()

	case *createRequest:
		id := newSessionID()
		spawn := &spawnSession{id: id, spec: msg.spec, replyTo: ctx.Sender()}
		pid, err := ctx.SpawnNamed(newSessionProps(r.cfg, r.deps, spawn), id)
		if err != nil {
			ctx.Respond(&errorReply{err: err})
			return
		}
		r.sessions[id] = pid

	case *liveRequest:
		ids := make([]string, 0, len(r.sessions))
		for id := range r.sessions {
			ids = append(ids, id)
		}
		ctx.Respond(&liveSessions{ids: ids})

	case *sessionDeleted:
		delete(r.sessions, msg.id)

	case *actor.Terminated:
		for id, pid := range r.sessions {
			if pid.Equal(msg.Who) {
				delete(r.sessions, id)
			}
		}

	case routed:
		pid, found := r.sessions[msg.sessionID()]
		if !found {
			ctx.Respond(&notLive{})
			return
		}
		ctx.Forward(pid)
	}
}

// endOrphans marks the sessions of a previous gateway process as ended:
// their processes died with it.
func (r *registry) endOrphans() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	orphans, err := r.deps.DB.EndOrphanedSessions(ctx)
	if err != nil {
		r.deps.Logger.Error("marking sessions of a previous run as ended failed", slog.Any("error", err))
		return
	}
	for _, s := range orphans {
		attrs := []any{slog.String("session_id", s.ID), slog.String("name", s.Name)}
		if s.PID != nil {
			attrs = append(attrs, slog.Int("pid", *s.PID))
		}
		r.deps.Logger.Warn("session was live when the gateway last stopped; marked ended", attrs...)
	}
}

func newSessionID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
