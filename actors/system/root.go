package system

import (
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
)

// spawnChild requests that the root actor spawn a child; the reply is
// childSpawned.
type spawnChild struct{ spec ChildSpec }

type childSpawned struct {
	pid *actor.PID
	err error
}

// rootActor is the parent of every child. It spawns them, hears their
// Terminated notices, and applies each child's restart policy as the
// supervisor strategy of its children.
//
// It has no state of its own beyond the Supervisor it reports to, so it
// never needs restarting. It stops last, after Stop has stopped the children.
type rootActor struct {
	s *Supervisor
}

var _ actor.SupervisorStrategy = (*rootActor)(nil)

func (r *rootActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *spawnChild:
		pid, err := ctx.SpawnNamed(msg.spec.Props, msg.spec.Name)
		if err == nil {
			r.s.mu.Lock()
			r.s.policies[pid.Id] = childPolicy{name: msg.spec.Name, policy: msg.spec.Restart}
			r.s.mu.Unlock()
		}
		ctx.Respond(&childSpawned{pid: pid, err: err})
	case *actor.Terminated:
		r.s.childTerminated(msg.Who.Id)
	}
}

// HandleFailure restarts a failed child while its policy allows, and
// otherwise stops it and reports the failure.
func (r *rootActor) HandleFailure(system *actor.ActorSystem, supervisor actor.Supervisor, child *actor.PID, rs *actor.RestartStatistics, reason interface{}, _ interface{}) {
	r.s.mu.Lock()
	cp, known := r.s.policies[child.Id]
	r.s.mu.Unlock()
	name := child.Id
	if known {
		name = cp.name
	}

	rs.Fail()
	failures := rs.NumberOfFailures(cp.policy.Within)
	if known && cp.policy.MaxRestarts > 0 && failures <= cp.policy.MaxRestarts {
		r.s.logger.Warn("child failed; restarting",
			slog.String("actor", name),
			slog.String("reason", fmt.Sprint(reason)),
			slog.Int("failures", failures),
			slog.Int("max_restarts", cp.policy.MaxRestarts))
		supervisor.RestartChildren(child)
		return
	}

	r.s.logger.Error("child failed beyond its restart budget; stopping it",
		slog.String("actor", name),
		slog.String("reason", fmt.Sprint(reason)),
		slog.Int("failures", failures))
	supervisor.StopChildren(child)
	r.s.reportFailure(fmt.Errorf("%w: %s: %v", ErrChildFailed, name, reason))
}
