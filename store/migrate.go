package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// migrationLockKey is the pg_advisory_lock key that serialises migrators
// across processes: the bytes of "opendray" read as a big-endian int64.
const migrationLockKey int64 = 0x6f70656e64726179

var migrationName = regexp.MustCompile(`^([0-9]{4,})_[a-z0-9_]+\.sql$`)

// ErrUnknownMigration is returned when schema_migrations lists a version
// that this binary does not embed, which means a newer opendray migrated
// the database. Running older code against a newer schema could lose data,
// so the runner stops.
var ErrUnknownMigration = errors.New("database has a migration this binary does not know")

// Migration is one embedded SQL file. Version is its file name without the
// .sql suffix, for example 0001_initial.
type Migration struct {
	Version string
	SQL     string
}

// LoadMigrations reads every *.sql file at the root of fsys, sorted by name.
// A file whose name is not NNNN_name.sql is an error, so a typo cannot
// silently skip a migration.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	var migrations []Migration
	for _, entry := range entries {
		name := entry.Name()
		if entry.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		if !migrationName.MatchString(name) {
			return nil, fmt.Errorf("migration file %q: name must look like 0001_initial.sql", name)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", name, err)
		}
		migrations = append(migrations, Migration{Version: strings.TrimSuffix(name, ".sql"), SQL: string(data)})
	}
	slices.SortFunc(migrations, func(a, b Migration) int { return strings.Compare(a.Version, b.Version) })
	return migrations, nil
}

// Migrate applies every migration of fsys that schema_migrations does not
// list, in lexical order, each in its own transaction, and returns the
// versions it applied. A session-level advisory lock makes concurrent
// migrators (two instances starting together) wait for each other, so each
// file runs once. A failing migration is rolled back alone: the ones before
// it stay applied and the runner stops with its error.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS, logger *slog.Logger) ([]string, error) {
	migrations, err := LoadMigrations(fsys)
	if err != nil {
		return nil, err
	}

	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting for migrations: %w", err)
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return nil, fmt.Errorf("taking the migration lock: %w", err)
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			// Closing the connection releases a session lock too.
			conn.Conn().Close(unlockCtx)
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text        PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}

	applied, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		return nil, err
	}
	if err := checkKnown(applied, migrations); err != nil {
		return nil, err
	}

	var done []string
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		start := time.Now()
		if err := applyMigration(ctx, conn.Conn(), m); err != nil {
			return done, err
		}
		logger.Info("migration applied", slog.String("version", m.Version), slog.Duration("elapsed", time.Since(start)))
		done = append(done, m.Version)
	}
	return done, nil
}

func appliedVersions(ctx context.Context, conn *pgx.Conn) (map[string]bool, error) {
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("reading schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("reading schema_migrations: %w", err)
	}
	applied := make(map[string]bool, len(versions))
	for _, v := range versions {
		applied[v] = true
	}
	return applied, nil
}

func checkKnown(applied map[string]bool, migrations []Migration) error {
	known := make(map[string]bool, len(migrations))
	for _, m := range migrations {
		known[m.Version] = true
	}
	var unknown []string
	for v := range applied {
		if !known[v] {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	newest := "none"
	if len(migrations) > 0 {
		newest = migrations[len(migrations)-1].Version
	}
	return fmt.Errorf("%w: schema_migrations lists %s, and the newest this binary has is %s; a newer opendray migrated this database, so run that version or newer",
		ErrUnknownMigration, strings.Join(unknown, ", "), newest)
}

func applyMigration(ctx context.Context, conn *pgx.Conn, m Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("applying migration %s: %w", m.Version, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	// Exec without arguments uses the simple protocol, which accepts a file
	// of several statements.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return fmt.Errorf("applying migration %s: %w", m.Version, err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", m.Version); err != nil {
		return fmt.Errorf("recording migration %s: %w", m.Version, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing migration %s: %w", m.Version, err)
	}
	return nil
}
