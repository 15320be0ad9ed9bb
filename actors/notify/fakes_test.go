package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/internal/event"
)

// waitLimit guards every blocking step of a test so a hang fails fast.
const waitLimit = 5 * time.Second

// fakeChannel records what the hub sends. Tests steer it through openFn
// and sendFn; without them Open succeeds and Send returns a fresh ref.
type fakeChannel struct {
	name   string
	filter Filter

	mu     sync.Mutex
	openFn func(ctx context.Context) error
	sendFn func(ctx context.Context, m Message, call int) (string, error)
	calls  int
	sent   []Message

	delivered chan Message
}

func newFakeChannel(name string) *fakeChannel {
	return &fakeChannel{
		name:      name,
		filter:    Filter{Events: []string{"session.idle", "session.ended"}},
		delivered: make(chan Message, 100),
	}
}

func (f *fakeChannel) Name() string   { return f.name }
func (f *fakeChannel) Filter() Filter { return f.filter }

func (f *fakeChannel) Open(ctx context.Context) error {
	f.mu.Lock()
	open := f.openFn
	f.mu.Unlock()
	if open != nil {
		return open(ctx)
	}
	return nil
}

func (f *fakeChannel) Send(ctx context.Context, m Message) (string, error) {
	f.mu.Lock()
	f.calls++
	call := f.calls
	send := f.sendFn
	f.mu.Unlock()

	ref := fmt.Sprintf("m%d", call)
	if send != nil {
		var err error
		ref, err = send(ctx, m, call)
		if err != nil {
			return "", err
		}
	}

	f.mu.Lock()
	f.sent = append(f.sent, m)
	f.mu.Unlock()
	f.delivered <- m
	return ref, nil
}

func (f *fakeChannel) sendCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeChannel) sentMessages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.sent...)
}

// next waits for the next delivered message.
func (f *fakeChannel) next(t *testing.T) Message {
	t.Helper()
	select {
	case m := <-f.delivered:
		return m
	case <-time.After(waitLimit):
		t.Fatalf("%s: no message delivered within %s", f.name, waitLimit)
		return Message{}
	}
}

// fakeReceiver is a fakeChannel that also delivers operator messages the
// test pushes into inbound.
type fakeReceiver struct {
	*fakeChannel
	inbound chan Inbound
}

func newFakeReceiver(name string) *fakeReceiver {
	return &fakeReceiver{fakeChannel: newFakeChannel(name), inbound: make(chan Inbound, 10)}
}

func (f *fakeReceiver) Receive(ctx context.Context, deliver func(Inbound)) error {
	for {
		select {
		case in := <-f.inbound:
			deliver(in)
		case <-ctx.Done():
			return nil
		}
	}
}

// fakeSessions serves a fixed session list and screens and records input.
type fakeSessions struct {
	mu       sync.Mutex
	sessions []SessionSummary
	screens  map[string][]string
	inputErr error

	inputs chan inputCall
}

type inputCall struct {
	id   string
	data string
}

func newFakeSessions(sessions ...SessionSummary) *fakeSessions {
	return &fakeSessions{
		sessions: sessions,
		screens:  make(map[string][]string),
		inputs:   make(chan inputCall, 10),
	}
}

func (f *fakeSessions) List(ctx context.Context) ([]SessionSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SessionSummary(nil), f.sessions...), nil
}

func (f *fakeSessions) Snapshot(ctx context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, ok := f.screens[id]
	if !ok {
		return nil, errors.New("session not found")
	}
	return lines, nil
}

func (f *fakeSessions) Input(ctx context.Context, id string, data []byte) error {
	f.mu.Lock()
	err := f.inputErr
	f.mu.Unlock()
	if err != nil {
		return err
	}
	f.inputs <- inputCall{id: id, data: string(data)}
	return nil
}

func (f *fakeSessions) setScreen(id string, lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.screens[id] = lines
}

func (f *fakeSessions) nextInput(t *testing.T) inputCall {
	t.Helper()
	select {
	case call := <-f.inputs:
		return call
	case <-time.After(waitLimit):
		t.Fatalf("no session input within %s", waitLimit)
		return inputCall{}
	}
}

// logRecorder is a slog handler that keeps every record for inspection.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
	attrs   []slog.Attr
	parent  *logRecorder
}

func (l *logRecorder) root() *logRecorder {
	if l.parent != nil {
		return l.parent
	}
	return l
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(l.attrs...)
	root := l.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	root.records = append(root.records, r)
	return nil
}

func (l *logRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logRecorder{parent: l.root(), attrs: append(append([]slog.Attr(nil), l.attrs...), attrs...)}
}

func (l *logRecorder) WithGroup(string) slog.Handler { return l }

// matching returns the records whose message contains text.
func (l *logRecorder) matching(text string) []slog.Record {
	root := l.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	var found []slog.Record
	for _, r := range root.records {
		if strings.Contains(r.Message, text) {
			found = append(found, r)
		}
	}
	return found
}

// waitFor waits until a record whose message contains text was logged.
func (l *logRecorder) waitFor(t *testing.T, text string) slog.Record {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if found := l.matching(text); len(found) > 0 {
			return found[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log record containing %q within %s", text, waitLimit)
	return slog.Record{}
}

func attr(r slog.Record, key string) slog.Value {
	var value slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			value = a.Value
			return false
		}
		return true
	})
	return value
}

// testHub is a hub running in a fresh actor system of its own.
type testHub struct {
	t      *testing.T
	system *actor.ActorSystem
	bus    *event.Bus
	pid    *actor.PID
	logs   *logRecorder
	events chan event.Event
	once   sync.Once
}

// testConfig returns a configuration with short waits for tests.
func testConfig() Config {
	cfg := Defaults()
	cfg.ShutdownTimeout = 2 * time.Second
	cfg.CoalesceWindow = 0
	cfg.RetryBase = 10 * time.Millisecond
	cfg.RetryMax = 50 * time.Millisecond
	cfg.CallTimeout = time.Second
	return cfg
}

// startHub spawns a hub and stops it when the test ends, then checks that
// no goroutine leaked.
func startHub(t *testing.T, cfg Config, sessions Sessions, channels ...Channel) *testHub {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })

	logs := &logRecorder{}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	bus := event.NewBus(system.EventStream)

	h := &testHub{t: t, system: system, bus: bus, logs: logs, events: make(chan event.Event, 100)}
	sub := bus.Subscribe(func(e event.Event) {
		switch e.(type) {
		case *event.RemoteInput, *event.RemoteTail:
			h.events <- e
		}
	})

	props, err := NewProps(cfg, Deps{Bus: bus, Sessions: sessions, Channels: channels, Logger: slog.New(logs)})
	if err != nil {
		t.Fatalf("NewProps: %v", err)
	}
	h.pid = system.Root.Spawn(props)
	t.Cleanup(func() {
		h.stop()
		bus.Unsubscribe(sub)
		system.Shutdown()
	})

	// The hub subscribes to the bus in Started, which runs after Spawn
	// returns. A request round trip shows that it has.
	h.stats()
	return h
}

// stop poisons the hub and waits until it has stopped; later calls do
// nothing.
func (h *testHub) stop() {
	h.once.Do(func() {
		if err := h.system.Root.PoisonFuture(h.pid).Wait(); err != nil {
			h.t.Errorf("stopping the hub: %v", err)
		}
	})
}

func (h *testHub) stats() *Stats {
	h.t.Helper()
	res, err := h.system.Root.RequestFuture(h.pid, &GetStats{}, waitLimit).Result()
	if err != nil {
		h.t.Fatalf("GetStats: %v", err)
	}
	return res.(*Stats)
}

// waitStats polls the hub's counters until ok accepts them.
func (h *testHub) waitStats(ok func(*Stats) bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if ok(h.stats()) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("hub counters did not reach the expected values within %s: %+v", waitLimit, h.stats())
}

func (h *testHub) nextEvent() event.Event {
	h.t.Helper()
	select {
	case e := <-h.events:
		return e
	case <-time.After(waitLimit):
		h.t.Fatalf("no remote-control event within %s", waitLimit)
		return nil
	}
}

func idle(id, name string, silent float64, viewers int) *event.SessionIdle {
	return &event.SessionIdle{
		SessionInfo:   event.SessionInfo{SessionID: id, Session: name, Provider: "claude"},
		SilentSeconds: silent,
		Viewers:       viewers,
	}
}

func ended(id, name string, code int) *event.SessionEnded {
	return &event.SessionEnded{
		SessionInfo: event.SessionInfo{SessionID: id, Session: name, Provider: "claude"},
		ExitCode:    code,
	}
}
