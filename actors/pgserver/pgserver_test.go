package pgserver

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opendray/opendray/actors/actortest"
	"github.com/opendray/opendray/actors/system"
)

// testLayout returns a layout in a fresh folder that the server's user can
// enter, removed when the test ends.
func testLayout(t *testing.T) Layout {
	t.Helper()
	binDir, err := findBinDir()
	if err != nil {
		t.Fatalf("the embedded server tests need PostgreSQL server binaries: %v", err)
	}
	parent, err := os.MkdirTemp("", "opendray-pgserver-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(parent, 0o755)
	t.Cleanup(func() { os.RemoveAll(parent) })

	var runAs *user.User
	if os.Geteuid() == 0 {
		if runAs, err = user.Lookup("postgres"); err != nil {
			t.Fatal("running as root needs a postgres system user for the embedded server")
		}
	}
	return layoutAt(binDir, filepath.Join(parent, "pg"), runAs)
}

func startInstance(t *testing.T, layout Layout) (*Instance, *system.Supervisor) {
	t.Helper()
	sup, err := system.New(actortest.NewSystem(t), actortest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	inst := New(layout, actortest.Logger(t))
	_, err = sup.Start(context.Background(), system.ChildSpec{
		Name: "postgres", Props: inst.Props(), StopTimeout: StopTimeout, StartTimeout: StartTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return inst, sup
}

func query(t *testing.T, url, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var out string
	if err := conn.QueryRow(ctx, sql).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func TestEmbeddedServerStartsStopsAndRestarts(t *testing.T) {
	layout := testLayout(t)
	inst, sup := startInstance(t, layout)
	if err := inst.Err(); err != nil {
		t.Fatalf("start failed: %v", err)
	}
	if got := query(t, inst.URL(), "SELECT current_database()"); got != "opendray" {
		t.Errorf("current_database() = %q; want opendray", got)
	}
	if got := query(t, inst.URL(), "SHOW listen_addresses"); got != "" {
		t.Errorf("listen_addresses = %q; want empty (unix socket only)", got)
	}
	execSQL(t, inst.URL(), "CREATE TABLE kept (n int)")

	pid := readPostmasterPID(t, layout)
	if overruns := sup.Stop(context.Background()); len(overruns) != 0 {
		t.Fatalf("stop overran: %v", overruns)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postgres pid %d still exists after stop (kill 0: %v)", pid, err)
	}

	// A second start reuses the data folder without initdb.
	inst2, sup2 := startInstance(t, layout)
	if err := inst2.Err(); err != nil {
		t.Fatalf("second start failed: %v", err)
	}
	if got := query(t, inst2.URL(), "SELECT count(*)::text FROM kept"); got != "0" {
		t.Errorf("table from the first run: count = %q; want 0 rows in an existing table", got)
	}
	sup2.Stop(context.Background())
}

func TestEmbeddedServerReportsBrokenBinaries(t *testing.T) {
	layout := testLayout(t)
	layout.BinDir = t.TempDir() // no initdb here
	inst, sup := startInstance(t, layout)
	defer sup.Stop(context.Background())
	err := inst.Err()
	if err == nil || !strings.Contains(err.Error(), "initdb") {
		t.Errorf("Err() = %v; want an initdb failure", err)
	}
}

func TestSearchBinDirMissing(t *testing.T) {
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	_, err := searchBinDir(notFound, []string{t.TempDir()})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("error = %v; want ErrNoBinaries", err)
	}
	if !strings.Contains(err.Error(), "database.url") {
		t.Errorf("error %q does not tell the operator to set database.url", err)
	}
}

func TestSearchBinDirFindsCandidate(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"initdb", "postgres"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	got, err := searchBinDir(notFound, []string{t.TempDir(), dir})
	if err != nil || got != dir {
		t.Errorf("searchBinDir = %q, %v; want %q", got, err, dir)
	}
}

func execSQL(t *testing.T, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting to %s: %v", url, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func readPostmasterPID(t *testing.T, layout Layout) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(layout.DataDir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(data), "\n", 2)[0])
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}

func TestSecondServerOnSameFolderRejected(t *testing.T) {
	layout := testLayout(t)
	first, sup := startInstance(t, layout)
	defer sup.Stop(context.Background())
	if err := first.Err(); err != nil {
		t.Fatal(err)
	}

	second, sup2 := startInstance(t, layout)
	defer sup2.Stop(context.Background())
	err := second.Err()
	if err == nil || !strings.Contains(err.Error(), "already uses") || !strings.Contains(err.Error(), "database.embedded_dir") {
		t.Errorf("second start error = %v; want one saying the folder is in use", err)
	}
	// The first server still accepts queries.
	if got := query(t, first.URL(), "SELECT 'alive'"); got != "alive" {
		t.Errorf("first server answered %q after the rejected second start", got)
	}
}

func TestUnreachableFolderRejected(t *testing.T) {
	pgUser, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal("this test needs a postgres system user, which the PostgreSQL server package creates")
	}
	closed := t.TempDir()
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	layout := layoutAt("/usr/bin", filepath.Join(closed, "pg"), pgUser)
	err = checkReachable(layout)
	if err == nil || !strings.Contains(err.Error(), "chmod o+x "+closed) {
		t.Errorf("checkReachable = %v; want an error naming %s and the chmod", err, closed)
	}

	open := t.TempDir()
	if err := chmodUp(open); err != nil {
		t.Fatal(err)
	}
	if err := checkReachable(layoutAt("/usr/bin", filepath.Join(open, "pg"), pgUser)); err != nil {
		t.Errorf("checkReachable on an open path = %v; want nil", err)
	}
}

// chmodUp makes dir and its parents below the temp folder enterable by others.
func chmodUp(dir string) error {
	tmp := filepath.Clean(os.TempDir())
	for d := dir; strings.HasPrefix(d, tmp) && d != tmp; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}
