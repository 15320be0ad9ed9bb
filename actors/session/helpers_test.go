package session

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/actors/idle"
	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/migrations"
	"github.com/opendray/opendray/store"
	"github.com/opendray/opendray/store/storetest"
)

var testDatabaseURL string

func TestMain(m *testing.M) {
	storetest.Main(m, "session", func(url string) { testDatabaseURL = url })
}

var migrateOnce = make(chan struct{}, 1)

func init() { migrateOnce <- struct{}{} }

// harness is a fresh actor system with a registry, an idle detector and a
// Client, torn down with a goroutine leak check when the test ends.
type harness struct {
	t        *testing.T
	system   *actor.ActorSystem
	db       *store.DB
	bus      *event.Bus
	client   *Client
	registry *actor.PID
	events   chan event.Event
	cfg      Config
	// registryStopped is set by tests that stop the registry themselves.
	registryStopped bool
}

func quietLogger() *slog.Logger {
	if os.Getenv("OPENDRAY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newHarness starts the harness; each tuneDeps hook may change the Deps,
// for example to replace the idle detector with a probe.
func newHarness(t *testing.T, tune func(*Config), tuneDeps ...func(*actor.ActorSystem, *Deps)) *harness {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	// protoactor's dead-letter throttle starts a goroutine that ends by
	// itself one throttle interval (1s) after a dead letter.
	throttle := goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1")
	t.Cleanup(func() { goleak.VerifyNone(t, ignore, throttle) })

	db, err := store.Open(store.Options{URL: testDatabaseURL, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, ok := <-migrateOnce; ok {
		if _, err := db.Migrate(ctx, migrations.Files, quietLogger()); err != nil {
			t.Fatal(err)
		}
		close(migrateOnce)
	}

	cfg := Defaults()
	cfg.IdleThreshold = 2 * time.Second
	cfg.IdleInterval = 100 * time.Millisecond
	cfg.StopGrace = time.Second
	if tune != nil {
		tune(&cfg)
	}

	logger := quietLogger()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return logger }))
	t.Cleanup(system.Shutdown)
	bus := event.NewBus(system.EventStream)
	events := make(chan event.Event, 1024)
	sub := bus.Subscribe(func(e event.Event) {
		select {
		case events <- e:
		default:
		}
	})
	t.Cleanup(func() { bus.Unsubscribe(sub) })

	idlePID, err := system.Root.SpawnNamed(idle.NewProps(cfg.IdleConfig(logger)), "idle")
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{DB: db, Bus: bus, Idle: idlePID, Logger: logger}
	for _, hook := range tuneDeps {
		hook(system, &deps)
	}
	registry, err := system.Root.SpawnNamed(NewRegistryProps(cfg, deps), "sessions")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		t: t, system: system, db: db, bus: bus, registry: registry, events: events, cfg: cfg,
		client: NewClient(system, registry, cfg, deps),
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if !h.registryStopped {
			if err := h.client.StopAll(stopCtx); err != nil {
				t.Errorf("StopAll: %v", err)
			}
			if err := system.Root.StopFuture(registry).Wait(); err != nil {
				t.Errorf("stopping the registry: %v", err)
			}
		}
		if err := system.Root.StopFuture(idlePID).Wait(); err != nil {
			t.Errorf("stopping the idle detector: %v", err)
		}
	})
	return h
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

func intPtr(n int) *int { return &n }

// create starts a custom command and fails the test on error.
func (h *harness) create(command string, args ...string) *Info {
	h.t.Helper()
	info, err := h.client.Create(h.ctx(), CreateRequest{
		Provider: ProviderCustom, Command: command, Args: args, Cwd: h.t.TempDir(),
		Cols: intPtr(80), Rows: intPtr(24),
	})
	if err != nil {
		h.t.Fatalf("Create %s: %v", command, err)
	}
	return info
}

// waitFor polls cond until it holds or timeout passes.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *harness) waitState(id string, want State, timeout time.Duration) *Details {
	h.t.Helper()
	var last *Details
	h.waitFor("session "+id+" to become "+string(want), timeout, func() bool {
		d, err := h.client.Get(h.ctx(), id)
		if err != nil {
			h.t.Fatalf("Get %s: %v", id, err)
		}
		last = d
		return d.State == want
	})
	return last
}

func (h *harness) waitOutput(id string, want string, timeout time.Duration) {
	h.t.Helper()
	h.waitFor("output "+want, timeout, func() bool {
		buf, err := h.client.Buffer(h.ctx(), id)
		if err != nil {
			h.t.Fatalf("Buffer: %v", err)
		}
		return bytes.Contains(buf.Data, []byte(want))
	})
}

// nextEvent returns the next event of type T about session id.
func nextEvent[T event.Event](h *harness, id string, timeout time.Duration) T {
	h.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e := <-h.events:
			if typed, ok := e.(T); ok && strings.Contains(mustJSON(h.t, e), `"session_id":"`+id+`"`) {
				return typed
			}
		case <-deadline:
			var zero T
			h.t.Fatalf("no %T for session %s within %v", zero, id, timeout)
			return zero
		}
	}
}

func mustJSON(t *testing.T, e event.Event) string {
	data, err := event.MarshalEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
