package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/opendray/opendray/migrations"
	"github.com/opendray/opendray/store/storetest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// openFresh opens a pool on a new empty database that is dropped when t ends.
func openFresh(t *testing.T) *DB {
	t.Helper()
	database, err := storetest.Create("store_" + t.Name())
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(Options{URL: database.URL, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if err := database.Drop(); err != nil {
			t.Errorf("dropping %s: %v", database.Name, err)
		}
	})
	return db
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func countRows(t *testing.T, db *DB, query string) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(testContext(t), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestMigrateEmptyDatabase(t *testing.T) {
	db := openFresh(t)
	applied, err := db.Migrate(testContext(t), migrations.Files, discard)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	all, err := LoadMigrations(migrations.Files)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all) || applied[0] != "0001_initial" {
		t.Fatalf("applied %v; want every embedded migration starting with 0001_initial", applied)
	}
	for _, table := range []string{"sessions", "audit_events", "schema_migrations"} {
		if n := countRows(t, db, "SELECT count(*) FROM information_schema.tables WHERE table_name = '"+table+"'"); n != 1 {
			t.Errorf("table %s missing after migrate", table)
		}
	}
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	db := openFresh(t)
	if _, err := db.Migrate(testContext(t), migrations.Files, discard); err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(testContext(t), migrations.Files, discard)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %v; want nothing", applied)
	}
}

func TestMigrateConcurrentRunnersApplyOnce(t *testing.T) {
	db := openFresh(t)
	// The slow migration keeps the lock held long enough for the other
	// runners to queue behind it.
	files := fstest.MapFS{
		"0001_slow.sql":  {Data: []byte("SELECT pg_sleep(0.3); CREATE TABLE counter (n int);")},
		"0002_count.sql": {Data: []byte("INSERT INTO counter VALUES (1);")},
	}
	const runners = 4
	var wg sync.WaitGroup
	results := make([][]string, runners)
	errs := make([]error, runners)
	for i := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other, err := Open(Options{URL: db.Pool().Config().ConnString(), MaxConns: 2})
			if err != nil {
				errs[i] = err
				return
			}
			defer other.Close()
			results[i], errs[i] = other.Migrate(testContext(t), files, discard)
		}()
	}
	wg.Wait()

	total := 0
	for i := range runners {
		if errs[i] != nil {
			t.Errorf("runner %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	if total != 2 {
		t.Errorf("runners applied %d migrations in all; want 2", total)
	}
	if n := countRows(t, db, "SELECT count(*) FROM counter"); n != 1 {
		t.Errorf("counter has %d rows; want 1 (0002 ran more than once)", n)
	}
}

func TestMigrateFailureRollsBackOnlyItself(t *testing.T) {
	db := openFresh(t)
	files := fstest.MapFS{
		"0001_good.sql":  {Data: []byte("CREATE TABLE good (n int);")},
		"0002_bad.sql":   {Data: []byte("CREATE TABLE half (n int); SELECT no_such_column FROM good;")},
		"0003_after.sql": {Data: []byte("CREATE TABLE after_bad (n int);")},
	}
	applied, err := db.Migrate(testContext(t), files, discard)
	if err == nil {
		t.Fatal("Migrate succeeded; want the error of 0002_bad")
	}
	if !strings.Contains(err.Error(), "0002_bad") {
		t.Errorf("error %q does not name the failing migration", err)
	}
	if len(applied) != 1 || applied[0] != "0001_good" {
		t.Errorf("applied %v; want [0001_good]", applied)
	}
	tableExists := "SELECT count(*) FROM information_schema.tables WHERE table_name = "
	if n := countRows(t, db, tableExists+"'good'"); n != 1 {
		t.Error("0001_good was rolled back; want it kept")
	}
	if n := countRows(t, db, tableExists+"'half'"); n != 0 {
		t.Error("0002_bad left table half behind; want it rolled back")
	}
	if n := countRows(t, db, tableExists+"'after_bad'"); n != 0 {
		t.Error("0003_after ran after a failure; want the runner stopped")
	}
	if n := countRows(t, db, "SELECT count(*) FROM schema_migrations"); n != 1 {
		t.Errorf("schema_migrations has %d rows; want 1", n)
	}
}

func TestMigrateRejectsUnknownVersion(t *testing.T) {
	db := openFresh(t)
	if _, err := db.Migrate(testContext(t), migrations.Files, discard); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(testContext(t), "INSERT INTO schema_migrations (version) VALUES ('9999_from_the_future')"); err != nil {
		t.Fatal(err)
	}
	_, err := db.Migrate(testContext(t), migrations.Files, discard)
	if !errors.Is(err, ErrUnknownMigration) {
		t.Fatalf("Migrate error = %v; want ErrUnknownMigration", err)
	}
	if !strings.Contains(err.Error(), "9999_from_the_future") {
		t.Errorf("error %q does not name the unknown version", err)
	}
}

func TestMigrateRerunsDeletedVersion(t *testing.T) {
	db := openFresh(t)
	files := fstest.MapFS{"0001_insert.sql": {Data: []byte("CREATE TABLE IF NOT EXISTS marks (n int); INSERT INTO marks VALUES (1);")}}
	if _, err := db.Migrate(testContext(t), files, discard); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(testContext(t), "DELETE FROM schema_migrations WHERE version = '0001_insert'"); err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(testContext(t), files, discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 {
		t.Errorf("applied %v; want the deleted version again", applied)
	}
	if n := countRows(t, db, "SELECT count(*) FROM marks"); n != 2 {
		t.Errorf("marks has %d rows; want 2", n)
	}
}

func TestLoadMigrationsRejectsBadName(t *testing.T) {
	files := fstest.MapFS{"1_initial.sql": {Data: []byte("SELECT 1;")}}
	if _, err := LoadMigrations(files); err == nil || !strings.Contains(err.Error(), "1_initial.sql") {
		t.Errorf("LoadMigrations error = %v; want one naming 1_initial.sql", err)
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	cases := []string{"", "not a url", "postgres://user:secret@host:notaport/db", "postgres://%zz"}
	for _, raw := range cases {
		_, err := Open(Options{URL: raw, MaxConns: 1})
		if !errors.Is(err, ErrInvalidURL) {
			t.Errorf("Open(%q) error = %v; want ErrInvalidURL", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error %q leaks the password", raw, err)
		}
	}
	if _, err := Open(Options{URL: "postgres://u@127.0.0.1/db", MaxConns: 0}); err == nil {
		t.Error("Open with MaxConns 0 succeeded; want an error")
	}
}
