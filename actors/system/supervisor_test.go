package system

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/actors/actortest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// protoactor keeps process-wide goroutines for its timer wheel and
		// dispatcher once an actor system has existed.
		goleak.IgnoreAnyFunction("github.com/asynkron/protoactor-go/actor.(*ActorSystem).Shutdown"),
		goleak.IgnoreTopFunction("time.Sleep"),
	)
}

// journal records lifecycle steps of test children in order.
type journal struct {
	mu    sync.Mutex
	steps []string
}

func (j *journal) add(step string) {
	j.mu.Lock()
	j.steps = append(j.steps, step)
	j.mu.Unlock()
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.steps...)
}

// recorder is a child that notes Started and Stopping, optionally taking
// time in either.
type recorder struct {
	name       string
	j          *journal
	startDelay time.Duration
	stopDelay  time.Duration
}

func (r *recorder) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		time.Sleep(r.startDelay)
		r.j.add("start " + r.name)
	case *actor.Stopping:
		time.Sleep(r.stopDelay)
		r.j.add("stop " + r.name)
	case string:
		if msg == "panic" {
			panic("asked to panic")
		}
	}
}

func recorderSpec(name string, j *journal, startDelay, stopDelay, budget time.Duration) ChildSpec {
	return ChildSpec{
		Name:        name,
		Props:       actor.PropsFromProducer(func() actor.Actor { return &recorder{name: name, j: j, startDelay: startDelay, stopDelay: stopDelay} }),
		StopTimeout: budget,
	}
}

func newSupervisor(t *testing.T) *Supervisor {
	t.Helper()
	s, err := New(actortest.NewSystem(t), actortest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStartWaitsForStartedAndStopReverses(t *testing.T) {
	s := newSupervisor(t)
	j := &journal{}
	ctx := context.Background()
	for _, name := range []string{"database", "health", "sessions"} {
		// database takes a while to start; Start must not return early.
		delay := time.Duration(0)
		if name == "database" {
			delay = 200 * time.Millisecond
		}
		if _, err := s.Start(ctx, recorderSpec(name, j, delay, 0, 2*time.Second)); err != nil {
			t.Fatalf("Start(%s): %v", name, err)
		}
		if got := j.list(); got[len(got)-1] != "start "+name {
			t.Fatalf("Start(%s) returned before its Started handler ran; journal %v", name, got)
		}
	}
	if overruns := s.Stop(ctx); len(overruns) != 0 {
		t.Errorf("Stop overruns = %v; want none", overruns)
	}
	want := []string{"start database", "start health", "start sessions", "stop sessions", "stop health", "stop database"}
	if got := j.list(); !equal(got, want) {
		t.Errorf("journal = %v; want %v", got, want)
	}
}

func TestStopReportsOverrunAndContinues(t *testing.T) {
	s := newSupervisor(t)
	j := &journal{}
	ctx := context.Background()
	mustStart(t, s, recorderSpec("first", j, 0, 0, time.Second))
	mustStart(t, s, recorderSpec("slow", j, 0, 3*time.Second, 100*time.Millisecond))

	begin := time.Now()
	overruns := s.Stop(ctx)
	if len(overruns) != 1 || overruns[0].Name != "slow" || overruns[0].Budget != 100*time.Millisecond {
		t.Fatalf("overruns = %+v; want slow with a 100ms budget", overruns)
	}
	// "first" stopped while "slow" was still in its Stopping handler.
	if got := j.list(); count(got, "stop first") != 1 || count(got, "stop slow") != 0 {
		t.Errorf("journal after Stop = %v; want first stopped and slow still stopping", got)
	}
	// The bound leaves room for a loaded machine and stays below the
	// child's 3 s stop, which Stop must not wait for.
	if elapsed := time.Since(begin); elapsed > 2500*time.Millisecond {
		t.Errorf("Stop waited %s for an overrunning child; want it to move on after the budget", elapsed)
	}
	waitFor(t, func() bool { return count(j.list(), "stop slow") == 1 })
}

func TestStopRespectsContext(t *testing.T) {
	s := newSupervisor(t)
	j := &journal{}
	mustStart(t, s, recorderSpec("slow", j, 0, time.Second, 10*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	overruns := s.Stop(ctx)
	if len(overruns) != 1 {
		t.Fatalf("overruns = %+v; want the slow child", overruns)
	}
	waitFor(t, func() bool { return len(j.list()) == 2 })
}

func TestRestartWithinPolicy(t *testing.T) {
	s := newSupervisor(t)
	j := &journal{}
	spec := recorderSpec("worker", j, 0, 0, time.Second)
	spec.Restart = Restart(2, time.Minute)
	pid := mustStart(t, s, spec)

	s.system.Root.Send(pid, "panic")
	waitFor(t, func() bool { return count(j.list(), "start worker") == 2 })
	s.system.Root.Send(pid, "panic")
	waitFor(t, func() bool { return count(j.list(), "start worker") == 3 })
	select {
	case err := <-s.Failed():
		t.Fatalf("Failed reported %v within the restart budget", err)
	default:
	}

	s.system.Root.Send(pid, "panic")
	select {
	case err := <-s.Failed():
		if !errors.Is(err, ErrChildFailed) {
			t.Errorf("failure = %v; want ErrChildFailed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no failure reported after the third panic")
	}
	if overruns := s.Stop(context.Background()); len(overruns) != 0 {
		t.Errorf("Stop after a failed child: overruns %v", overruns)
	}
}

func TestNeverRestartStopsChild(t *testing.T) {
	s := newSupervisor(t)
	j := &journal{}
	pid := mustStart(t, s, recorderSpec("session", j, 0, 0, time.Second))
	s.system.Root.Send(pid, "panic")
	select {
	case err := <-s.Failed():
		if !errors.Is(err, ErrChildFailed) {
			t.Errorf("failure = %v; want ErrChildFailed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no failure reported")
	}
	waitFor(t, func() bool { return count(j.list(), "stop session") == 1 })
	if n := count(j.list(), "start session"); n != 1 {
		t.Errorf("child started %d times; want 1 (no restart)", n)
	}
	s.Stop(context.Background())
}

func TestStartRejectsDuplicateAndAfterStop(t *testing.T) {
	s := newSupervisor(t)
	j := &journal{}
	mustStart(t, s, recorderSpec("a", j, 0, 0, time.Second))
	if _, err := s.Start(context.Background(), recorderSpec("a", j, 0, 0, time.Second)); err == nil {
		t.Error("second child named a started; want an error")
	}
	s.Stop(context.Background())
	if _, err := s.Start(context.Background(), recorderSpec("b", j, 0, 0, time.Second)); !errors.Is(err, ErrStopped) {
		t.Errorf("Start after Stop error = %v; want ErrStopped", err)
	}
}

func TestStartTimeout(t *testing.T) {
	s := newSupervisor(t)
	j := &journal{}
	spec := recorderSpec("stuck", j, 500*time.Millisecond, 0, time.Second)
	spec.StartTimeout = 50 * time.Millisecond
	if _, err := s.Start(context.Background(), spec); err == nil {
		t.Fatal("Start returned no error for a child slower than its start budget")
	}
	s.Stop(context.Background())
	waitFor(t, func() bool { return count(j.list(), "start stuck") == 1 })
}

func mustStart(t *testing.T, s *Supervisor, spec ChildSpec) *actor.PID {
	t.Helper()
	pid, err := s.Start(context.Background(), spec)
	if err != nil {
		t.Fatalf("Start(%s): %v", spec.Name, err)
	}
	return pid
}

func count(list []string, item string) int {
	n := 0
	for _, s := range list {
		if s == item {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
