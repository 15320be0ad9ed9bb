package system

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// ErrChildFailed is wrapped by the errors sent on Failed.
var ErrChildFailed = errors.New("child failed beyond its restart budget")

// ErrStopped is returned by Start after Stop has begun.
var ErrStopped = errors.New("supervisor is stopping")

// Overrun records a child that did not stop within its budget.
type Overrun struct {
	Name    string
	Budget  time.Duration
	Elapsed time.Duration
}

// child is a started child and its spec.
type child struct {
	spec ChildSpec
	pid  *actor.PID
}

// Supervisor is the root of the actor tree. Start and Stop are safe to call
// from any goroutine, but not concurrently with each other.
type Supervisor struct {
	system *actor.ActorSystem
	logger *slog.Logger
	root   *actor.PID
	failed chan error

	// mu guards the fields below it.
	mu       sync.Mutex
	children []*child
	stopping bool
	waiters  map[string]chan struct{} // by child actor id, closed on Terminated
	policies map[string]childPolicy   // by child actor id
}

type childPolicy struct {
	name   string
	policy RestartPolicy
}

// New spawns the root actor in system and returns its supervisor.
func New(system *actor.ActorSystem, logger *slog.Logger) (*Supervisor, error) {
	s := &Supervisor{
		system:   system,
		logger:   logger,
		failed:   make(chan error, 16),
		waiters:  map[string]chan struct{}{},
		policies: map[string]childPolicy{},
	}
	root, err := system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return &rootActor{s: s} }), "root")
	if err != nil {
		return nil, fmt.Errorf("spawning the root supervisor: %w", err)
	}
	s.root = root
	return s, nil
}

// Failed receives an error for each child that failed more often than its
// restart policy allows. Such a child has been stopped.
func (s *Supervisor) Failed() <-chan error { return s.failed }

// Start spawns the child of spec under the root actor and waits until it
// has handled Started, within spec.StartTimeout and ctx.
func (s *Supervisor) Start(ctx context.Context, spec ChildSpec) (*actor.PID, error) {
	if spec.Name == "" || spec.Props == nil {
		return nil, fmt.Errorf("child spec needs a name and props")
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil, ErrStopped
	}
	for _, c := range s.children {
		if c.spec.Name == spec.Name {
			s.mu.Unlock()
			return nil, fmt.Errorf("child %s already started", spec.Name)
		}
	}
	s.mu.Unlock()

	timeout := spec.StartTimeout
	if timeout == 0 {
		timeout = DefaultStartTimeout
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < timeout {
		timeout = time.Until(deadline)
	}

	started := time.Now()
	reply, err := s.system.Root.RequestFuture(s.root, &spawnChild{spec: spec}, timeout).Result()
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	spawned := reply.(*childSpawned)
	if spawned.err != nil {
		return nil, fmt.Errorf("starting %s: %w", spec.Name, spawned.err)
	}

	// Touch gets its reply only after the child's Started handler returned,
	// because the mailbox handles messages in order.
	remaining := timeout - time.Since(started)
	if _, err := s.system.Root.RequestFuture(spawned.pid, &actor.Touch{}, max(remaining, time.Millisecond)).Result(); err != nil {
		s.system.Root.Stop(spawned.pid)
		return nil, fmt.Errorf("starting %s: not ready within %s: %w", spec.Name, timeout, err)
	}

	s.mu.Lock()
	s.children = append(s.children, &child{spec: spec, pid: spawned.pid})
	s.mu.Unlock()
	s.logger.Debug("child started", slog.String("actor", spec.Name), slog.Duration("elapsed", time.Since(started)))
	return spawned.pid, nil
}

// PID returns the PID of the started child with this name.
func (s *Supervisor) PID(name string) (*actor.PID, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.children {
		if c.spec.Name == name {
			return c.pid, true
		}
	}
	return nil, false
}

// Stop poisons the children in reverse start order and waits for each up to
// its stop budget, or until ctx ends. It returns the children that overran,
// after logging one warning that names them all, then stops the root actor.
func (s *Supervisor) Stop(ctx context.Context) []Overrun {
	s.mu.Lock()
	s.stopping = true
	children := append([]*child(nil), s.children...)
	s.mu.Unlock()

	var overruns []Overrun
	for i := len(children) - 1; i >= 0; i-- {
		if o, ok := s.stopChild(ctx, children[i]); !ok {
			overruns = append(overruns, o)
		}
	}

	if len(overruns) > 0 {
		names := make([]string, len(overruns))
		for i, o := range overruns {
			names[i] = fmt.Sprintf("%s (%s budget, gave up after %s)", o.Name, o.Budget, o.Elapsed.Round(time.Millisecond))
		}
		s.logger.Warn("children overran their stop budget", slog.Any("children", names))
	}
	s.system.Root.Stop(s.root)
	return overruns
}

// stopChild poisons one child and waits for its Terminated notice.
func (s *Supervisor) stopChild(ctx context.Context, c *child) (Overrun, bool) {
	done := make(chan struct{})
	s.mu.Lock()
	s.waiters[c.pid.Id] = done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiters, c.pid.Id)
		s.mu.Unlock()
	}()

	// A child stopped earlier, after failing beyond its restart budget, is
	// no longer registered, and there is nothing to wait for.
	if _, ok := s.system.ProcessRegistry.GetLocal(c.pid.Id); !ok {
		return Overrun{}, true
	}

	start := time.Now()
	budget, cancel := context.WithTimeoutCause(ctx, c.spec.StopTimeout,
		fmt.Errorf("%s: stop budget %s exceeded", c.spec.Name, c.spec.StopTimeout))
	defer cancel()

	s.logger.Debug("stopping child", slog.String("actor", c.spec.Name), slog.Duration("budget", c.spec.StopTimeout))
	s.system.Root.Poison(c.pid)

	select {
	case <-done:
		s.logger.Debug("child stopped", slog.String("actor", c.spec.Name), slog.Duration("elapsed", time.Since(start)))
		return Overrun{}, true
	case <-budget.Done():
		elapsed := time.Since(start)
		s.logger.Warn("child did not stop within its budget",
			slog.String("actor", c.spec.Name),
			slog.Duration("budget", c.spec.StopTimeout),
			slog.Duration("elapsed", elapsed),
			slog.String("cause", context.Cause(budget).Error()))
		return Overrun{Name: c.spec.Name, Budget: c.spec.StopTimeout, Elapsed: elapsed}, false
	}
}

// childTerminated wakes a Stop waiting for the child with this actor id.
func (s *Supervisor) childTerminated(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if done, ok := s.waiters[id]; ok {
		close(done)
		delete(s.waiters, id)
	}
}

// reportFailure sends err on Failed without blocking.
func (s *Supervisor) reportFailure(err error) {
	select {
	case s.failed <- err:
	default:
		s.logger.Error("failure report dropped: too many unread failures", slog.String("error", err.Error()))
	}
}
