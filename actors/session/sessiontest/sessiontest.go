// Package sessiontest starts a sessions registry for tests of the packages
// built on it: a fresh actor system, idle detector, registry and Client
// on a real database, all stopped when the test ends.
package sessiontest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/opendray/opendray/actors/idle"
	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/migrations"
	"github.com/opendray/opendray/store"
)

// Env is a running sessions registry.
type Env struct {
	System *actor.ActorSystem
	DB     *store.DB
	Bus    *event.Bus
	Client *session.Client
	Config session.Config
	Logger *slog.Logger
}

// Logger returns a logger that discards everything unless
// OPENDRAY_TEST_LOG is set, then it writes debug records to stderr.
func Logger() *slog.Logger {
	if os.Getenv("OPENDRAY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start migrates the database at databaseURL and starts a registry with
// test-friendly settings (1s stop grace, 2s idle threshold), changed by
// tune when it is not nil.
func Start(t testing.TB, databaseURL string, tune func(*session.Config)) *Env {
	t.Helper()
	return StartWith(t, databaseURL, tune, nil)
}

// StartWith is Start with a hook that may change the registry's Deps,
// for example to replace LookPath.
func StartWith(t testing.TB, databaseURL string, tune func(*session.Config), tuneDeps func(*session.Deps)) *Env {
	t.Helper()
	logger := Logger()
	db, err := store.Open(store.Options{URL: databaseURL, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.Migrate(ctx, migrations.Files, logger); err != nil {
		t.Fatal(err)
	}

	cfg := session.Defaults()
	cfg.IdleThreshold = 2 * time.Second
	cfg.IdleInterval = 100 * time.Millisecond
	cfg.StopGrace = time.Second
	if tune != nil {
		tune(&cfg)
	}

	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return logger }))
	t.Cleanup(system.Shutdown)
	bus := event.NewBus(system.EventStream)
	idlePID, err := system.Root.SpawnNamed(idle.NewProps(cfg.IdleConfig(logger)), "idle")
	if err != nil {
		t.Fatal(err)
	}
	deps := session.Deps{DB: db, Bus: bus, Idle: idlePID, Logger: logger}
	if tuneDeps != nil {
		tuneDeps(&deps)
	}
	registry, err := system.Root.SpawnNamed(session.NewRegistryProps(cfg, deps), "sessions")
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{
		System: system, DB: db, Bus: bus, Config: cfg, Logger: logger,
		Client: session.NewClient(system, registry, cfg, deps),
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := env.Client.StopAll(stopCtx); err != nil {
			t.Errorf("StopAll: %v", err)
		}
		if err := system.Root.StopFuture(registry).Wait(); err != nil {
			t.Errorf("stopping the registry: %v", err)
		}
		if err := system.Root.StopFuture(idlePID).Wait(); err != nil {
			t.Errorf("stopping the idle detector: %v", err)
		}
	})
	return env
}

// Create starts command with args in a temporary folder on an 80x24
// terminal and fails the test on error.
func (e *Env) Create(t testing.TB, command string, args ...string) *session.Info {
	t.Helper()
	cols, rows := 80, 24
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := e.Client.Create(ctx, session.CreateRequest{
		Provider: session.ProviderCustom, Command: command, Args: args, Cwd: t.TempDir(),
		Cols: &cols, Rows: &rows,
	})
	if err != nil {
		t.Fatalf("creating a session running %s: %v", command, err)
	}
	return info
}

// WaitState polls the session until it reaches want or timeout passes.
func (e *Env) WaitState(t testing.TB, id string, want session.State, timeout time.Duration) *session.Details {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d, err := e.Client.Get(ctx, id)
		cancel()
		if err != nil {
			t.Fatalf("Get %s: %v", id, err)
		}
		if d.State == want {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s is %s after %v; want %s", id, d.State, timeout, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Buffer returns the session's ring and fails the test on error.
func (e *Env) Buffer(t testing.TB, id string) *session.Buffer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	buf, err := e.Client.Buffer(ctx, id)
	if err != nil {
		t.Fatalf("Buffer %s: %v", id, err)
	}
	return buf
}
