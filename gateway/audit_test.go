package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/actors/audit"
	"github.com/opendray/opendray/gateway"
	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/migrations"
	"github.com/opendray/opendray/store"
	"github.com/opendray/opendray/store/storetest"
)

// freshAuditDB returns a migrated database of its own for t.
func freshAuditDB(t *testing.T) *store.DB {
	t.Helper()
	database, err := storetest.Create("gateway_audit")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(store.Options{URL: database.URL, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if err := database.Drop(); err != nil {
			t.Errorf("dropping %s: %v", database.Name, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.Migrate(ctx, migrations.Files, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return db
}

func startAuditServer(t *testing.T, reader gateway.AuditReader) (*authServer, string) {
	t.Helper()
	return startAuditServerOnBus(t, reader, nil)
}

// startAuditServerOnBus is startAuditServer with the handlers publishing
// on bus.
func startAuditServerOnBus(t *testing.T, reader gateway.AuditReader, bus *event.Bus) (*authServer, string) {
	t.Helper()
	s := startAuthServerWith(t, authServerOptions{
		bus: bus,
		mount: func(api fiber.Router, handlers *gateway.AuthHandlers, logger *slog.Logger) {
			api.Get("/audit", handlers.RequireToken, gateway.NewAuditHandlers(reader, logger).List)
		},
	})
	return s, s.login(loginPath, testUser, testPassword)
}

type auditPage struct {
	Events []struct {
		ID         int64           `json:"id"`
		Time       string          `json:"time"`
		Event      string          `json:"event"`
		Actor      string          `json:"actor"`
		ClientAddr string          `json:"client_addr"`
		SessionID  *string         `json:"session_id"`
		Details    json.RawMessage `json:"details"`
	} `json:"events"`
	NextBefore *int64 `json:"next_before"`
}

func getAuditPage(t *testing.T, s *authServer, token, query string) auditPage {
	t.Helper()
	r := s.request("GET", "/api/v1/audit"+query, token, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/audit%s = %d %s; want 200", query, r.status, r.raw)
	}
	var page auditPage
	if err := json.Unmarshal([]byte(r.raw), &page); err != nil {
		t.Fatal(err)
	}
	return page
}

func TestAuditPagesNewestFirst(t *testing.T) {
	db := freshAuditDB(t)
	session := "s1"
	var rows []store.AuditEvent
	for i := range 7 {
		rows = append(rows, store.AuditEvent{
			Time:       testStart.Add(time.Duration(i) * time.Second),
			Event:      "admin.login_failed",
			Actor:      "user" + strconv.Itoa(i),
			ClientAddr: "203.0.113.7",
			SessionID:  &session,
			Details:    json.RawMessage(`{"n":` + strconv.Itoa(i) + `}`),
		})
	}
	if err := db.InsertAuditEvents(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	s, token := startAuditServer(t, db)

	first := getAuditPage(t, s, token, "?limit=3")
	if len(first.Events) != 3 || first.Events[0].Actor != "user6" || first.Events[2].Actor != "user4" {
		t.Fatalf("first page = %+v; want user6..user4", first.Events)
	}
	if first.NextBefore == nil || *first.NextBefore != first.Events[2].ID {
		t.Fatalf("next_before = %v; want the id of the last event %d", first.NextBefore, first.Events[2].ID)
	}
	event := first.Events[0]
	if event.Event != "admin.login_failed" || event.ClientAddr != "203.0.113.7" || event.SessionID == nil || *event.SessionID != "s1" {
		t.Errorf("event = %+v; want every column", event)
	}
	if event.Time != testStart.Add(6*time.Second).Format(time.RFC3339Nano) {
		t.Errorf("time = %s; want %s", event.Time, testStart.Add(6*time.Second).Format(time.RFC3339Nano))
	}
	if string(event.Details) != `{"n": 6}` && string(event.Details) != `{"n":6}` {
		t.Errorf("details = %s; want {\"n\":6}", event.Details)
	}

	second := getAuditPage(t, s, token, "?limit=3&before="+strconv.FormatInt(*first.NextBefore, 10))
	if len(second.Events) != 3 || second.Events[0].Actor != "user3" {
		t.Fatalf("second page = %+v; want user3..user1", second.Events)
	}
	last := getAuditPage(t, s, token, "?limit=3&before="+strconv.FormatInt(*second.NextBefore, 10))
	if len(last.Events) != 1 || last.Events[0].Actor != "user0" {
		t.Fatalf("last page = %+v; want user0", last.Events)
	}
	if last.NextBefore != nil {
		t.Errorf("next_before on the last page = %d; want null", *last.NextBefore)
	}
}

func TestAuditTrailRecordsLogins(t *testing.T) {
	db := freshAuditDB(t)
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	t.Cleanup(system.Shutdown)
	bus := event.NewBus(system.EventStream)
	sink := system.Root.Spawn(audit.Props(audit.Options{Bus: bus, Writer: db, FlushInterval: time.Hour}))
	if _, err := system.Root.RequestFuture(sink, &audit.Flush{}, 10*time.Second).Result(); err != nil {
		t.Fatalf("waiting for the sink to start: %v", err)
	}

	s, token := startAuditServerOnBus(t, db, bus)
	s.failLogin("198.51.100.9")
	s.request("POST", "/api/v1/auth/logout", token, nil)

	stopped := make(chan error, 1)
	go func() { stopped <- system.Root.PoisonFuture(sink).Wait() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("stopping the sink: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sink did not stop within 10s")
	}

	fresh := s.login(loginPath, testUser, testPassword)
	page := getAuditPage(t, s, fresh, "")
	var names []string
	for _, e := range page.Events {
		names = append(names, e.Event+"/"+e.Actor+"/"+e.ClientAddr)
	}
	want := []string{"admin.logout/admin/127.0.0.1", "admin.login_failed/admin/198.51.100.9", "admin.login_success/admin/127.0.0.1"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("audit trail = %v; want %v", names, want)
	}
}

func TestAuditEmptyTableListsNothing(t *testing.T) {
	s, token := startAuditServer(t, freshAuditDB(t))
	r := s.request("GET", "/api/v1/audit", token, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d; want 200", r.status)
	}
	if !strings.Contains(r.raw, `"events":[]`) || !strings.Contains(r.raw, `"next_before":null`) {
		t.Errorf("body = %s; want an empty events list and next_before null", r.raw)
	}
}

// failingReader is a database that is down.
type failingReader struct{}

func (failingReader) ListAuditEvents(context.Context, int, int64) ([]store.AuditEvent, bool, error) {
	return nil, false, errors.New("dial tcp: connection refused")
}

func TestAuditRejectsBadParameters(t *testing.T) {
	s, token := startAuditServer(t, failingReader{})
	cases := map[string]string{
		"?limit=abc":                     `limit must be an integer from 1 to 500, got "abc"`,
		"?limit=0":                       `got "0"`,
		"?limit=-1":                      `got "-1"`,
		"?limit=501":                     `got "501"`,
		"?limit=1.5":                     `got "1.5"`,
		"?before=x":                      `before must be a positive event id, got "x"`,
		"?before=0":                      `got "0"`,
		"?before=-5":                     `got "-5"`,
		"?before=1e3":                    `got "1e3"`,
		"?before=9999999999999999999999": `got "9999999999999999999999"`,
	}
	for query, want := range cases {
		r := s.request("GET", "/api/v1/audit"+query, token, nil)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d; want 400", query, r.status)
		}
		if !strings.Contains(r.errorText(), want) {
			t.Errorf("%s: error %q; want it to contain %q", query, r.errorText(), want)
		}
	}
}

func TestAuditReportsDatabaseDown(t *testing.T) {
	s, token := startAuditServer(t, failingReader{})
	r := s.request("GET", "/api/v1/audit", token, nil)
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("status %d; want 503", r.status)
	}
	if strings.Contains(r.raw, "connection refused") {
		t.Errorf("body %s exposes the internal error", r.raw)
	}
	if !strings.Contains(s.logs.String(), "connection refused") {
		t.Error("the internal error is not logged")
	}
}

func TestAuditRequiresToken(t *testing.T) {
	s, _ := startAuditServer(t, failingReader{})
	if r := s.request("GET", "/api/v1/audit", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("status %d without a token; want 401", r.status)
	}
}
