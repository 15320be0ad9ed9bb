package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/opendray/opendray/actors/health"
	"github.com/opendray/opendray/actors/notify"
	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/actors/system"
	"github.com/opendray/opendray/gateway"
	"github.com/opendray/opendray/gateway/terminal"
	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/buildinfo"
	"github.com/opendray/opendray/internal/config"
	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/internal/logging"
	"github.com/opendray/opendray/store"
)

// Shutdown budgets: the whole drain fits in ShutdownWindow, and the HTTP
// server gets at most httpDrain of it for requests in flight.
const (
	ShutdownWindow = 15 * time.Second
	httpDrain      = 3 * time.Second
)

// gatewayProcess is one running `opendray serve`.
type gatewayProcess struct {
	cfg     config.Config
	logs    *logging.Logging
	logger  *slog.Logger
	system  *actor.ActorSystem
	sup     *system.Supervisor
	db      *store.DB
	gateway *gateway.Server
	auth    *auth.Service
	bus     *event.Bus

	channels    []notify.Channel
	sessionCfg  session.Config
	sessionDeps session.Deps
	sessions    *session.Client
	started     time.Time

	// ready is set once the database is migrated and every subsystem runs.
	ready atomic.Bool
	// dbWait is the goroutine that waits for PostgreSQL, then migrates and
	// starts the subsystems; shutdown stops it before the actor tree.
	dbWait *backgroundTask
	// fatal receives errors that must end the process with exit code 1.
	fatal chan error
}

func runServe(args []string) int {
	// Without a handler, a write to a closed stdout (serve | head) kills
	// the process with SIGPIPE before any drain. Handled, the write fails
	// and the log line is lost, but sessions still stop cleanly. A handled
	// signal, unlike an ignored one, is reset for the sessions' processes.
	brokenPipe := make(chan os.Signal, 1)
	signal.Notify(brokenPipe, syscall.SIGPIPE)
	defer signal.Stop(brokenPipe)

	cfg, err := loadConfig("serve", args)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	logs, err := logging.New(logging.Options{Level: cfg.Log.Level, Format: cfg.Log.Format, File: cfg.Log.File})
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	defer logs.Close()

	for _, warning := range config.UnknownEnv(os.Environ()) {
		logs.Logger.Warn(warning)
	}
	// TODO: the backup subsystem is not built yet; its keys are validated
	// so that configurations stay valid when it arrives.
	if cfg.Backup.Enabled {
		logs.Logger.Warn("backup.enabled is true, but this build has no backup subsystem; no backups are made")
	}
	authService, err := newAuthService(cfg, logs.Logger)
	if err != nil {
		logs.Logger.Error("admin credentials unusable", slog.String("error", err.Error()))
		return fail(exitUsage, "%v", err)
	}

	channels, err := newChannels(cfg, logs.Logger)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}

	p := &gatewayProcess{cfg: cfg, logs: logs, logger: logs.Logger, auth: authService, channels: channels, started: time.Now(), fatal: make(chan error, 4)}
	return p.run()
}

func (p *gatewayProcess) run() int {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)

	p.logger.Info("opendray starting",
		slog.String("version", buildinfo.Version),
		slog.String("commit", buildinfo.CommitOrVCS()),
		slog.Int("pid", os.Getpid()))

	code := exitOK
	if err := p.start(); err != nil {
		p.logger.Error("start failed", slog.String("error", err.Error()))
		fmt.Fprintf(os.Stderr, "opendray: %v\n", err)
		code = exitFailure
	} else {
		code = p.wait(signals)
	}

	// A second signal during the drain exits at once.
	go func() {
		sig := <-signals
		p.logger.Warn("second signal: exiting without finishing the drain", slog.String("signal", sig.String()))
		p.logs.Close()
		os.Exit(exitFailure)
	}()
	p.shutdown()
	return code
}

// start builds the actor tree and the gateway and begins listening. The
// database may still be down when it returns.
func (p *gatewayProcess) start() error {
	protoLogger := logging.WithMinLevel(p.logger.With("lib", "protoactor"), slog.LevelWarn)
	if p.cfg.Log.Level == "debug" {
		protoLogger = p.logger.With("lib", "protoactor")
	}
	p.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return protoLogger }))
	p.bus = event.NewBus(p.system.EventStream)
	sup, err := system.New(p.system, p.logger.With("component", "supervisor"))
	if err != nil {
		return err
	}
	p.sup = sup

	dbURL, err := p.startDatabaseServer()
	if err != nil {
		return err
	}
	p.db, err = store.Open(store.Options{URL: dbURL, MaxConns: int32(p.cfg.Database.MaxConns), AppName: "opendray"})
	if err != nil {
		return fmt.Errorf("database.url: %w", err)
	}

	healthPID, err := p.sup.Start(context.Background(), system.ChildSpec{
		Name:        "health",
		Props:       health.NewProps(p.db, health.Options{Interval: 10 * time.Second}, p.logger),
		StopTimeout: health.StopTimeout,
		Restart:     system.Restart(5, time.Minute),
	})
	if err != nil {
		return err
	}

	listener, err := net.Listen("tcp", p.cfg.Listen)
	if err != nil {
		var syscallErr *os.SyscallError
		if errors.As(err, &syscallErr) {
			err = syscallErr.Err // "address already in use" without the repeated address
		}
		return fmt.Errorf("listen %s: %w; choose another address with listen or OPENDRAY_LISTEN", p.cfg.Listen, err)
	}
	p.prepareSessions()
	authHandlers := gateway.NewAuthHandlers(p.auth, p.bus, p.logger)
	p.gateway = gateway.New(gateway.Deps{
		Logger:       p.logger,
		Started:      p.started,
		Health:       health.NewClient(p.system, healthPID),
		Ready:        p.ready.Load,
		Logs:         p.logs.Ring,
		SPA:          adminUI(),
		Auth:         authHandlers.RequireToken,
		AuthHandlers: authHandlers,
		Audit:        gateway.NewAuditHandlers(p.db, p.logger),
		Proxies:      p.auth.Proxies,
		Sessions:     &gateway.SessionsHandler{Sessions: p.sessions, Logger: p.logger},
		Terminal:     &terminal.Handler{Sessions: p.sessions, Logger: p.logger},
		Events:       &gateway.EventsHandler{Bus: p.bus, Logger: p.logger},
	})
	go func() {
		if err := p.gateway.Serve(listener); err != nil {
			p.fatal <- fmt.Errorf("http server: %w", err)
		}
	}()
	p.logger.Info("opendray listening", slog.String("url", "http://"+listener.Addr().String()+"/admin/"))

	p.startWhenDatabaseReachable()
	return nil
}

// wait blocks until a signal or a fatal error and returns the exit code.
func (p *gatewayProcess) wait(signals <-chan os.Signal) int {
	select {
	case sig := <-signals:
		p.logger.Info("shutting down", slog.String("signal", sig.String()), slog.Duration("window", ShutdownWindow))
		return exitOK
	case err := <-p.fatal:
		p.logger.Error("shutting down after a fatal error", slog.String("error", err.Error()))
		fmt.Fprintf(os.Stderr, "opendray: %v\n", err)
		return exitFailure
	case err := <-p.sup.Failed():
		p.logger.Error("shutting down: a subsystem failed", slog.String("error", err.Error()))
		fmt.Fprintf(os.Stderr, "opendray: %v\n", err)
		return exitFailure
	}
}

// shutdown drains within ShutdownWindow: the HTTP server stops taking
// requests and lets those in flight finish, then the supervisor stops the
// children in reverse start order, each within its own budget.
func (p *gatewayProcess) shutdown() {
	ctx, cancel := context.WithTimeoutCause(context.Background(), ShutdownWindow-time.Second,
		errors.New("shutdown window exceeded"))
	defer cancel()
	start := time.Now()

	if p.gateway != nil {
		httpCtx, httpCancel := context.WithTimeout(ctx, httpDrain)
		if err := p.gateway.Shutdown(httpCtx); err != nil {
			p.logger.Warn("http drain incomplete", slog.String("error", err.Error()))
		}
		httpCancel()
	}
	p.stopDatabaseWait()

	if p.sup != nil {
		p.sup.Stop(ctx)
	}
	if p.db != nil {
		p.db.Close()
	}
	if p.system != nil {
		p.system.Shutdown()
	}
	p.logger.Info("opendray stopped", slog.Duration("elapsed", time.Since(start)))
}

// backgroundTask is a goroutine with a stop signal and a done signal.
type backgroundTask struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// stop cancels the task and waits for it to end; it is safe to call twice
// and on a nil task.
func (t *backgroundTask) stop() {
	if t == nil {
		return
	}
	t.once.Do(func() {
		t.cancel()
		<-t.done
	})
}
