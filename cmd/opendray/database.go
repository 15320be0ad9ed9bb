package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/opendray/opendray/actors/pgserver"
	"github.com/opendray/opendray/actors/system"
	"github.com/opendray/opendray/migrations"
)

// startDatabaseServer starts the embedded PostgreSQL when database.url is
// empty and returns the URL to connect to.
func (p *gatewayProcess) startDatabaseServer() (string, error) {
	if p.cfg.Database.URL != "" {
		return p.cfg.Database.URL, nil
	}
	layout, err := pgserver.DefaultLayout(p.cfg.Database.EmbeddedDir)
	if err != nil {
		return "", err
	}
	p.logger.Info("database.url is empty: using the embedded PostgreSQL", slog.String("path", layout.BaseDir))
	instance := pgserver.New(layout, p.logger)
	if _, err := p.sup.Start(context.Background(), system.ChildSpec{
		Name:         "postgres",
		Props:        instance.Props(),
		StopTimeout:  pgserver.StopTimeout,
		StartTimeout: pgserver.StartTimeout,
		Restart:      system.Restart(3, time.Minute),
	}); err != nil {
		return "", err
	}
	if err := instance.Err(); err != nil {
		return "", err
	}
	return instance.URL(), nil
}

// startWhenDatabaseReachable pings the database with backoff until it
// succeeds, logging each failure, then migrates and starts the subsystems
// that need it, and finally opens the API.
func (p *gatewayProcess) startWhenDatabaseReachable() {
	ctx, cancel := context.WithCancel(context.Background())
	task := &backgroundTask{cancel: cancel, done: make(chan struct{})}
	p.dbWait = task

	go func() {
		defer close(task.done)
		if !p.waitForDatabase(ctx) {
			return
		}
		applied, err := p.db.Migrate(ctx, migrations.Files, p.logger)
		if err != nil {
			if ctx.Err() == nil {
				p.fatal <- err
			}
			return
		}
		p.logger.Info("database ready", slog.Int("migrations_applied", len(applied)))
		if err := p.startSubsystems(ctx); err != nil {
			if ctx.Err() == nil {
				p.fatal <- err
			}
			return
		}
		p.ready.Store(true)
		p.logger.Info("opendray ready")
	}()
}

// waitForDatabase returns true once a ping succeeds, false if ctx ends first.
func (p *gatewayProcess) waitForDatabase(ctx context.Context) bool {
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := p.db.Ping(pingCtx)
		cancel()
		if err == nil {
			if attempt > 1 {
				p.logger.Info("database reachable", slog.Int("attempt", attempt))
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		p.logger.Warn("database not reachable; retrying",
			slog.Int("attempt", attempt),
			slog.Duration("retry_in", delay),
			slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay = min(delay*2, 10*time.Second)
	}
}

func (p *gatewayProcess) stopDatabaseWait() {
	p.dbWait.stop()
}
