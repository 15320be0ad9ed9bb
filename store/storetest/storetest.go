// Package storetest gives each test package a PostgreSQL database of its own.
//
// Tests run against a real server: OPENDRAY_TEST_DATABASE_URL when set,
// else postgres://root@127.0.0.1:5432/postgres with trust authentication.
// An unreachable server fails the tests loudly; nothing is skipped.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultAdminURL is the server used when OPENDRAY_TEST_DATABASE_URL is unset.
const DefaultAdminURL = "postgres://root@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns the URL of the database that creates and drops test databases.
func AdminURL() string {
	if v := os.Getenv("OPENDRAY_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return DefaultAdminURL
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]`)

// Database is a fresh database created for one test package or test.
type Database struct {
	Name string
	URL  string
}

// Create makes a new empty database whose name starts with prefix and
// returns it. Call Drop when done.
func Create(prefix string) (*Database, error) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	name := "opendray_test_" + unsafeChars.ReplaceAllString(strings.ToLower(prefix), "_") + "_" + hex.EncodeToString(suffix)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return nil, fmt.Errorf("test PostgreSQL at %s is unreachable (set OPENDRAY_TEST_DATABASE_URL or start the server): %w", AdminURL(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("creating test database %s: %w", name, err)
	}

	u, err := url.Parse(AdminURL())
	if err != nil {
		return nil, fmt.Errorf("OPENDRAY_TEST_DATABASE_URL must be a postgres:// URL: %w", err)
	}
	u.Path = "/" + name
	return &Database{Name: name, URL: u.String()}, nil
}

// Drop removes the database, ending any connection still open to it.
func (d *Database) Drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.Name}.Sanitize()+" WITH (FORCE)")
	return err
}

// Main runs a test package's tests against a fresh database whose URL it
// passes to run, then drops the database. Use it from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m, "store", func(url string) { testURL = url }) }
func Main(m interface{ Run() int }, prefix string, setURL func(string)) {
	db, err := Create(prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	setURL(db.URL)
	code := m.Run()
	if err := db.Drop(); err != nil {
		fmt.Fprintf(os.Stderr, "dropping test database %s: %v\n", db.Name, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
