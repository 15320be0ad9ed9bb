package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opendray/opendray/internal/config"
)

// DB is the process's connection pool.
type DB struct {
	pool *pgxpool.Pool
}

// Options configures Open.
type Options struct {
	// URL is a PostgreSQL connection URL (postgres:// or postgresql://), or a
	// key=value DSN as libpq accepts it.
	URL string
	// MaxConns caps the pool size; it must be positive.
	MaxConns int32
	// AppName is reported to the server as application_name.
	AppName string
}

// ErrInvalidURL is wrapped by Open and ValidateURL for a malformed database URL.
var ErrInvalidURL = errors.New("invalid database URL")

// Open validates opts and builds a pool. It does not contact the server.
func Open(opts Options) (*DB, error) {
	config, err := parseConfig(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.MaxConns < 1 {
		return nil, fmt.Errorf("database pool size %d: must be at least 1", opts.MaxConns)
	}
	config.MaxConns = opts.MaxConns
	if opts.AppName != "" {
		config.ConnConfig.RuntimeParams["application_name"] = opts.AppName
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), config)
	if err != nil {
		return nil, fmt.Errorf("creating database pool: %w", err)
	}
	return &DB{pool: pool}, nil
}

// ValidateURL reports whether raw is a database URL that Open would accept.
func ValidateURL(raw string) error {
	_, err := parseConfig(raw)
	return err
}

func parseConfig(raw string) (*pgxpool.Config, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidURL)
	}
	if err := config.ValidateDatabaseURL(raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	poolConfig, err := pgxpool.ParseConfig(raw)
	if err != nil {
		// pgx's parse errors can quote the whole DSN, password included.
		return nil, fmt.Errorf("%w: want postgres://user@host:5432/dbname or key=value pairs", ErrInvalidURL)
	}
	return poolConfig, nil
}

// Pool returns the underlying pgx pool for the query files of this package
// and for tests.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Ping checks that the server responds within ctx's deadline.
func (db *DB) Ping(ctx context.Context) error {
	return db.pool.Ping(ctx)
}

// Close closes every connection; it waits for connections in use to be released.
func (db *DB) Close() { db.pool.Close() }
