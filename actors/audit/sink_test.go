package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/actors/audit"
	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/migrations"
	"github.com/opendray/opendray/store"
	"github.com/opendray/opendray/store/storetest"
)

var testDB *store.DB

func TestMain(m *testing.M) {
	storetest.Main(m, "audit", func(url string) {
		db, err := store.Open(store.Options{URL: url, MaxConns: 4})
		if err != nil {
			panic(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := db.Migrate(ctx, migrations.Files, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			panic(err)
		}
		testDB = db
	})
}

// testNotifyEvent stands for an event type the sink does not know.
type testNotifyEvent struct {
	event.Meta
	SessionID string `json:"session_id"`
	User      string `json:"user"`
	ChatID    int64  `json:"chat_id"`
}

func (*testNotifyEvent) Name() string { return "notify.test" }

// syncBuffer is a log destination that tests read while the actor writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type harness struct {
	t      *testing.T
	system *actor.ActorSystem
	bus    *event.Bus
	logs   *syncBuffer
	pid    *actor.PID
	// stopped is set by stop, so cleanup does not stop the sink twice.
	stopped bool
}

// start truncates the table, spawns a sink with opts on a fresh actor
// system and waits until it has subscribed.
func start(t *testing.T, opts audit.Options) *harness {
	t.Helper()
	ignoreBefore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignoreBefore) })

	if _, err := testDB.Pool().Exec(testContext(t), "TRUNCATE audit_events"); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	t.Cleanup(system.Shutdown)

	h := &harness{t: t, system: system, bus: event.NewBus(system.EventStream), logs: logs}
	opts.Bus = h.bus
	opts.Logger = logger
	if opts.Writer == nil {
		opts.Writer = testDB
	}
	h.pid = system.Root.Spawn(audit.Props(opts))
	t.Cleanup(func() {
		if !h.stopped {
			h.stop(h.system.Root.PoisonFuture)
		}
	})
	h.flush()
	return h
}

// stop stops the sink with stopFuture (PoisonFuture or StopFuture) and
// waits for it to end.
func (h *harness) stop(stopFuture func(*actor.PID) *actor.Future) {
	h.t.Helper()
	h.stopped = true
	stopWithin(h.t, stopFuture(h.pid), 10*time.Second)
}

// flush sends a Flush request to the sink and returns its response.
func (h *harness) flush() *audit.FlushResult {
	h.t.Helper()
	result, err := h.system.Root.RequestFuture(h.pid, &audit.Flush{}, 10*time.Second).Result()
	if err != nil {
		h.t.Fatalf("Flush request: %v", err)
	}
	return result.(*audit.FlushResult)
}

func stopWithin(t *testing.T, future *actor.Future, limit time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- future.Wait() }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, actor.ErrDeadLetter) {
			t.Errorf("stopping the sink: %v", err)
		}
	case <-time.After(limit):
		t.Fatalf("the sink did not stop within %s", limit)
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func rows(t *testing.T) []store.AuditEvent {
	t.Helper()
	events, _, err := testDB.ListAuditEvents(testContext(t), store.MaxAuditPage, 0)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// waitForRows polls until the table has n rows or the timeout passes.
func waitForRows(t *testing.T, n int, timeout time.Duration) []store.AuditEvent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := rows(t)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d audit rows after %s; want %d", len(got), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func detailsOf(t *testing.T, row store.AuditEvent) map[string]any {
	t.Helper()
	var details map[string]any
	if err := json.Unmarshal(row.Details, &details); err != nil {
		t.Fatalf("details %s: %v", row.Details, err)
	}
	return details
}

func TestSinkStoresEventColumns(t *testing.T) {
	h := start(t, audit.Options{FlushInterval: time.Hour})
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h.bus.Publish(&event.AdminLoginFailed{Meta: event.Meta{Time: at}, User: "admin", ClientAddr: "203.0.113.7"})
	h.bus.Publish(&event.SessionEnded{SessionInfo: event.SessionInfo{SessionID: "s1", Session: "build", Provider: "shell"}, ExitCode: 3})
	h.bus.Publish(&event.AdminCredentialsChanged{OldUser: "admin", NewUser: "ops", ClientAddr: "198.51.100.2"})
	h.bus.Publish(&testNotifyEvent{SessionID: "s2", User: "alice", ChatID: 42})

	if result := h.flush(); result.Err != nil || result.Pending != 0 {
		t.Fatalf("Flush = %+v; want everything written", result)
	}
	got := rows(t)
	if len(got) != 4 {
		t.Fatalf("%d rows; want 4", len(got))
	}
	byEvent := map[string]store.AuditEvent{}
	for _, row := range got {
		byEvent[row.Event] = row
	}

	failed := byEvent["admin.login_failed"]
	if failed.Actor != "admin" || failed.ClientAddr != "203.0.113.7" || failed.SessionID != nil {
		t.Errorf("login_failed row = %+v; want actor admin from 203.0.113.7 without session", failed)
	}
	if !failed.Time.Equal(at) {
		t.Errorf("login_failed time = %s; want %s", failed.Time, at)
	}
	details := detailsOf(t, failed)
	if _, ok := details["type"]; ok {
		t.Error("details repeat the type column")
	}
	if _, ok := details["time"]; ok {
		t.Error("details repeat the time column")
	}

	ended := byEvent["session.ended"]
	if ended.SessionID == nil || *ended.SessionID != "s1" {
		t.Errorf("session.ended session_id = %v; want s1", ended.SessionID)
	}
	if code := detailsOf(t, ended)["exit_code"]; code != float64(3) {
		t.Errorf("session.ended exit_code = %v; want 3", code)
	}

	changed := byEvent["admin.credentials_changed"]
	if changed.Actor != "admin" || detailsOf(t, changed)["new_user"] != "ops" {
		t.Errorf("credentials_changed row = %+v (%s); want actor admin and new_user ops", changed, changed.Details)
	}

	unknown := byEvent["notify.test"]
	if unknown.Actor != "alice" || unknown.SessionID == nil || *unknown.SessionID != "s2" {
		t.Errorf("notify.test row = %+v; want actor alice in session s2", unknown)
	}
	if chat := detailsOf(t, unknown)["chat_id"]; chat != float64(42) {
		t.Errorf("notify.test chat_id = %v; want 42", chat)
	}
}

func TestSinkFlushesOnInterval(t *testing.T) {
	h := start(t, audit.Options{FlushInterval: 100 * time.Millisecond})
	h.bus.Publish(&event.AdminLogout{User: "admin", ClientAddr: "127.0.0.1"})
	got := waitForRows(t, 1, 5*time.Second)
	if got[0].Event != "admin.logout" {
		t.Errorf("event = %s; want admin.logout", got[0].Event)
	}
}

func TestSinkFlushesAtBatchSize(t *testing.T) {
	h := start(t, audit.Options{FlushInterval: time.Hour, BatchSize: 5})
	for i := range 5 {
		h.bus.Publish(&event.SessionCreated{SessionInfo: event.SessionInfo{SessionID: fmt.Sprint(i)}})
	}
	waitForRows(t, 5, 5*time.Second)

	for range 4 {
		h.bus.Publish(&event.SessionCreated{})
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(rows(t)); n != 5 {
		t.Errorf("%d rows with 4 events below the batch size queued; want 5", n)
	}
}

func TestSinkWritesQueuedEventsOnPoison(t *testing.T) {
	h := start(t, audit.Options{FlushInterval: time.Hour, BatchSize: 1000})
	for i := range 250 {
		h.bus.Publish(&event.AdminLoginFailed{User: fmt.Sprint("user", i), ClientAddr: "203.0.113.7"})
	}
	h.stop(h.system.Root.PoisonFuture)
	if n := len(rows(t)); n != 250 {
		t.Errorf("%d rows after Poison; want all 250", n)
	}
}

func TestSinkWritesQueuedEventsOnStop(t *testing.T) {
	h := start(t, audit.Options{FlushInterval: time.Hour, BatchSize: 1000})
	for range 120 {
		h.bus.Publish(&event.SessionIdle{SessionInfo: event.SessionInfo{SessionID: "s1"}})
	}
	h.stop(h.system.Root.StopFuture)
	if n := len(rows(t)); n != 120 {
		t.Errorf("%d rows after Stop; want all 120", n)
	}
}

// gatedWriter fails while closed and writes to the test database while open.
type gatedWriter struct {
	mu    sync.Mutex
	open  bool
	calls int
}

func (w *gatedWriter) setOpen(open bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.open = open
}

func (w *gatedWriter) InsertAuditEvents(ctx context.Context, events []store.AuditEvent) error {
	w.mu.Lock()
	w.calls++
	open := w.open
	w.mu.Unlock()
	if !open {
		return errors.New("connection refused")
	}
	return testDB.InsertAuditEvents(ctx, events)
}

func TestSinkRetriesAfterWriteFailure(t *testing.T) {
	writer := &gatedWriter{open: true}
	h := start(t, audit.Options{Writer: writer, FlushInterval: 20 * time.Millisecond, RetryMin: 20 * time.Millisecond, RetryMax: 40 * time.Millisecond})
	writer.setOpen(false)
	h.bus.Publish(&event.AdminLoginSuccess{User: "admin", ClientAddr: "127.0.0.1"})

	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(h.logs.String(), "retrying later") {
		if time.Now().After(deadline) {
			t.Fatal("no retry warning after a failed write")
		}
		time.Sleep(10 * time.Millisecond)
	}
	writer.setOpen(true)
	got := waitForRows(t, 1, 5*time.Second)
	if got[0].Event != "admin.login_success" {
		t.Errorf("event = %s; want admin.login_success", got[0].Event)
	}
}

func TestSinkDropsOldestPastCap(t *testing.T) {
	writer := &gatedWriter{open: true}
	h := start(t, audit.Options{Writer: writer, FlushInterval: time.Hour, MaxPending: 10})
	writer.setOpen(false)
	for i := range 15 {
		h.bus.Publish(&event.SessionCreated{SessionInfo: event.SessionInfo{SessionID: fmt.Sprint(i)}})
	}
	writer.setOpen(true)
	if result := h.flush(); result.Err != nil {
		t.Fatalf("Flush: %v", result.Err)
	}

	got := rows(t)
	if len(got) != 10 {
		t.Fatalf("%d rows; want the newest 10", len(got))
	}
	keptSessions := map[string]bool{}
	for _, row := range got {
		keptSessions[*row.SessionID] = true
	}
	for i := range 15 {
		if want := i >= 5; keptSessions[fmt.Sprint(i)] != want {
			t.Errorf("event %d kept = %v; want %v", i, keptSessions[fmt.Sprint(i)], want)
		}
	}
	if !strings.Contains(h.logs.String(), `"dropped":5`) {
		t.Errorf("log lacks a warning with the dropped count 5:\n%s", h.logs.String())
	}
}

// rejectingWriter rejects any batch that contains a row by actor "poison".
type rejectingWriter struct{}

func (rejectingWriter) InsertAuditEvents(ctx context.Context, events []store.AuditEvent) error {
	for _, e := range events {
		if e.Actor == "poison" {
			return fmt.Errorf("%w: invalid input", store.ErrAuditRejected)
		}
	}
	return testDB.InsertAuditEvents(ctx, events)
}

func TestSinkDropsOnlyRejectedRows(t *testing.T) {
	h := start(t, audit.Options{Writer: rejectingWriter{}, FlushInterval: time.Hour})
	h.bus.Publish(&event.AdminLoginFailed{User: "first"})
	h.bus.Publish(&event.AdminLoginFailed{User: "poison"})
	h.bus.Publish(&event.AdminLoginFailed{User: "last"})
	if result := h.flush(); result.Err != nil || result.Pending != 0 {
		t.Fatalf("Flush = %+v; want the queue emptied", result)
	}
	got := rows(t)
	if len(got) != 2 || got[0].Actor != "last" || got[1].Actor != "first" {
		t.Errorf("rows = %+v; want first and last only", got)
	}
	if !strings.Contains(h.logs.String(), "the database rejected") {
		t.Error("log lacks the error about the rejected row")
	}
}

func TestSinkReplacesNULCharacters(t *testing.T) {
	h := start(t, audit.Options{FlushInterval: time.Hour})
	h.bus.Publish(&event.AdminLoginFailed{User: "a\x00b", ClientAddr: "203.0.113.7"})
	if result := h.flush(); result.Err != nil {
		t.Fatalf("Flush: %v", result.Err)
	}
	got := rows(t)
	if len(got) != 1 || got[0].Actor != "a\uFFFDb" {
		t.Errorf("rows = %+v; want one with actor a\\uFFFDb", got)
	}
}

func TestSinkIgnoresUnselectedEvents(t *testing.T) {
	h := start(t, audit.Options{FlushInterval: time.Hour, Prefixes: []string{"admin."}})
	h.bus.Publish(&event.SessionCreated{SessionInfo: event.SessionInfo{SessionID: "s1"}})
	h.bus.Publish(&event.AdminLogout{User: "admin"})
	h.flush()
	got := rows(t)
	if len(got) != 1 || got[0].Event != "admin.logout" {
		t.Errorf("rows = %+v; want only admin.logout", got)
	}
}

func TestSinkGivesUpAtStopBudget(t *testing.T) {
	writer := &gatedWriter{open: true}
	h := start(t, audit.Options{Writer: writer, FlushInterval: time.Hour, StopBudget: time.Second})
	writer.setOpen(false)
	for range 3 {
		h.bus.Publish(&event.AdminLogout{User: "admin"})
	}
	begin := time.Now()
	h.stop(h.system.Root.PoisonFuture)
	if elapsed := time.Since(begin); elapsed > audit.StopBudget {
		t.Errorf("stop took %s; want it within the %s budget", elapsed, audit.StopBudget)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "audit events lost at shutdown") || !strings.Contains(logs, `"lost":3`) {
		t.Errorf("log lacks the lost-events error with count 3:\n%s", logs)
	}
}
