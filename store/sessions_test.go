package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/opendray/opendray/migrations"
)

func migratedDB(t *testing.T) *DB {
	t.Helper()
	db := openFresh(t)
	if _, err := db.Migrate(testContext(t), migrations.Files, discard); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

func newSessionRow(id, state string) *Session {
	return &Session{
		ID: id, Name: "build", Provider: "shell", Command: "/bin/bash",
		Args: []string{"-l"}, Cwd: "/tmp", Cols: 80, Rows: 24, State: state,
	}
}

func TestSessionInsertGetUpdate(t *testing.T) {
	db := migratedDB(t)
	ctx := testContext(t)

	s := newSessionRow("s1", SessionPending)
	if err := db.InsertSession(ctx, s); err != nil {
		t.Fatalf("InsertSession: %v", err)
	}
	if s.CreatedAt.IsZero() {
		t.Error("InsertSession left CreatedAt zero")
	}

	pid, code := 4242, 3
	started := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	ended := time.Now().UTC().Truncate(time.Microsecond)
	s.State, s.PID, s.ExitCode, s.StartedAt, s.EndedAt = SessionEnded, &pid, &code, &started, &ended
	s.Cols, s.Rows = 120, 40
	if err := db.UpdateSession(ctx, s); err != nil {
		t.Fatalf("UpdateSession: %v", err)
	}

	got, err := db.GetSession(ctx, "s1")
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if got.State != SessionEnded || got.Cols != 120 || got.Rows != 40 {
		t.Errorf("state, cols, rows = %s, %d, %d; want ended, 120, 40", got.State, got.Cols, got.Rows)
	}
	if got.PID == nil || *got.PID != pid || got.ExitCode == nil || *got.ExitCode != code {
		t.Errorf("pid, exit code = %v, %v; want %d, %d", got.PID, got.ExitCode, pid, code)
	}
	if got.StartedAt == nil || !got.StartedAt.Equal(started) {
		t.Errorf("started_at = %v; want %v", got.StartedAt, started)
	}
	if got.EndedAt == nil || !got.EndedAt.Equal(ended) {
		t.Errorf("ended_at = %v; want %v", got.EndedAt, ended)
	}
	if !slices.Equal(got.Args, []string{"-l"}) {
		t.Errorf("args = %q; want [-l]", got.Args)
	}
}

func TestSessionNilArgsStoredAsEmptyList(t *testing.T) {
	db := migratedDB(t)
	s := newSessionRow("s1", SessionPending)
	s.Args = nil
	if err := db.InsertSession(testContext(t), s); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetSession(testContext(t), "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Args == nil || len(got.Args) != 0 {
		t.Errorf("args = %#v; want an empty non-nil list", got.Args)
	}
}

func TestSessionGetUnknown(t *testing.T) {
	db := migratedDB(t)
	if _, err := db.GetSession(testContext(t), "nope"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("GetSession error = %v; want ErrSessionNotFound", err)
	}
	if err := db.UpdateSession(testContext(t), newSessionRow("nope", SessionRunning)); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("UpdateSession error = %v; want ErrSessionNotFound", err)
	}
}

func TestSessionListNewestFirst(t *testing.T) {
	db := migratedDB(t)
	ctx := testContext(t)
	for _, id := range []string{"a", "b", "c"} {
		if err := db.InsertSession(ctx, newSessionRow(id, SessionRunning)); err != nil {
			t.Fatal(err)
		}
		// created_at comes from now(), which is the transaction start; a
		// short pause keeps the three rows apart.
		time.Sleep(5 * time.Millisecond)
	}
	list, err := db.ListSessions(ctx)
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"c", "b", "a"}) {
		t.Errorf("ids = %v; want [c b a]", ids)
	}
}

func TestSessionDeleteOnlyFinished(t *testing.T) {
	db := migratedDB(t)
	ctx := testContext(t)
	for id, state := range map[string]string{"live": SessionRunning, "done": SessionEnded, "halted": SessionStopped} {
		if err := db.InsertSession(ctx, newSessionRow(id, state)); err != nil {
			t.Fatal(err)
		}
	}

	if err := db.DeleteSession(ctx, "live"); !errors.Is(err, ErrSessionLive) {
		t.Errorf("DeleteSession(live) error = %v; want ErrSessionLive", err)
	}
	if err := db.DeleteSession(ctx, "nope"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("DeleteSession(nope) error = %v; want ErrSessionNotFound", err)
	}
	for _, id := range []string{"done", "halted"} {
		if err := db.DeleteSession(ctx, id); err != nil {
			t.Errorf("DeleteSession(%s): %v", id, err)
		}
		if _, err := db.GetSession(ctx, id); !errors.Is(err, ErrSessionNotFound) {
			t.Errorf("session %s still there after delete", id)
		}
	}
}

func TestEndOrphanedSessions(t *testing.T) {
	db := migratedDB(t)
	ctx := testContext(t)
	states := map[string]string{
		"p": SessionPending, "r": SessionRunning, "i": SessionIdle,
		"s": SessionStopped, "e": SessionEnded,
	}
	for id, state := range states {
		if err := db.InsertSession(ctx, newSessionRow(id, state)); err != nil {
			t.Fatal(err)
		}
	}

	changed, err := db.EndOrphanedSessions(ctx)
	if err != nil {
		t.Fatalf("EndOrphanedSessions: %v", err)
	}
	var ids []string
	for _, s := range changed {
		ids = append(ids, s.ID)
		if s.State != SessionEnded || s.EndedAt == nil {
			t.Errorf("session %s: state %s, ended_at %v; want ended with a time", s.ID, s.State, s.EndedAt)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"i", "p", "r"}) {
		t.Errorf("changed %v; want [i p r]", ids)
	}
	stopped, err := db.GetSession(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if stopped.State != SessionStopped {
		t.Errorf("stopped session became %s; want it left alone", stopped.State)
	}
}
