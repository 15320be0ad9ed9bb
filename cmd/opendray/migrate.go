package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/opendray/opendray/internal/config"
	"github.com/opendray/opendray/internal/logging"
	"github.com/opendray/opendray/migrations"
	"github.com/opendray/opendray/store"
)

// migrateTimeout bounds the whole migrate command, lock wait included.
const migrateTimeout = 5 * time.Minute

// runMigrate applies pending migrations to database.url and exits.
func runMigrate(args []string) int {
	cfg, err := loadConfig("migrate", args)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	if cfg.Database.URL == "" {
		return fail(exitUsage, "migrate needs database.url (or OPENDRAY_DATABASE_URL); the embedded PostgreSQL is migrated by `opendray serve` itself")
	}
	logs, err := logging.New(logging.Options{Level: cfg.Log.Level, Format: cfg.Log.Format, File: cfg.Log.File, Stdout: os.Stderr})
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	defer logs.Close()
	for _, warning := range config.UnknownEnv(os.Environ()) {
		logs.Logger.Warn(warning)
	}

	db, err := store.Open(store.Options{URL: cfg.Database.URL, MaxConns: 2, AppName: "opendray migrate"})
	if err != nil {
		return fail(exitUsage, "database.url: %v", err)
	}
	defer db.Close()

	ctx, cancel := context.WithTimeout(context.Background(), migrateTimeout)
	defer cancel()
	applied, err := db.Migrate(ctx, migrations.Files, logs.Logger)
	if err != nil {
		return fail(exitFailure, "%v", err)
	}
	logs.Logger.Info("migrations complete", slog.Int("applied", len(applied)))
	return exitOK
}
