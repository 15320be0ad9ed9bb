package store

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/opendray/opendray/migrations"
)

func migrated(t *testing.T) *DB {
	t.Helper()
	db := openFresh(t)
	if _, err := db.Migrate(testContext(t), migrations.Files, discard); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestInsertAuditEventsRoundTrip(t *testing.T) {
	db := migrated(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 123000000, time.UTC)
	session := "s1"
	events := []AuditEvent{
		{Time: at, Event: "admin.login_failed", Actor: "admin", ClientAddr: "203.0.113.7", Details: json.RawMessage(`{"user":"admin"}`)},
		{Time: at.Add(time.Second), Event: "session.ended", SessionID: &session, Details: json.RawMessage(`{"exit_code":0}`)},
		{Time: at.Add(2 * time.Second), Event: "notify.input"},
	}
	if err := db.InsertAuditEvents(testContext(t), events); err != nil {
		t.Fatalf("InsertAuditEvents: %v", err)
	}

	got, more, err := db.ListAuditEvents(testContext(t), 10, 0)
	if err != nil {
		t.Fatalf("ListAuditEvents: %v", err)
	}
	if more {
		t.Error("more = true with every event returned")
	}
	if len(got) != 3 {
		t.Fatalf("got %d events; want 3", len(got))
	}
	if got[0].Event != "notify.input" || got[2].Event != "admin.login_failed" {
		t.Errorf("order %s, %s, %s; want newest first", got[0].Event, got[1].Event, got[2].Event)
	}
	if string(got[0].Details) != "{}" {
		t.Errorf("missing details stored as %s; want {}", got[0].Details)
	}
	if got[1].SessionID == nil || *got[1].SessionID != "s1" {
		t.Errorf("session_id = %v; want s1", got[1].SessionID)
	}
	if got[2].SessionID != nil {
		t.Errorf("session_id = %v; want NULL", *got[2].SessionID)
	}
	if !got[2].Time.Equal(at) || got[2].ClientAddr != "203.0.113.7" || got[2].Actor != "admin" {
		t.Errorf("first event read back as %+v", got[2])
	}
	var details map[string]any
	if err := json.Unmarshal(got[2].Details, &details); err != nil || details["user"] != "admin" {
		t.Errorf("details = %s (%v); want {\"user\":\"admin\"}", got[2].Details, err)
	}
}

func TestListAuditEventsPages(t *testing.T) {
	db := migrated(t)
	var events []AuditEvent
	for i := range 7 {
		events = append(events, AuditEvent{Time: time.Now().Add(time.Duration(i) * time.Second), Event: "session.created"})
	}
	if err := db.InsertAuditEvents(testContext(t), events); err != nil {
		t.Fatal(err)
	}

	var ids []int64
	before := int64(0)
	for page := 0; ; page++ {
		got, more, err := db.ListAuditEvents(testContext(t), 3, before)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if !more {
			break
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
		before = got[len(got)-1].ID
	}
	if len(ids) != 7 {
		t.Fatalf("paged through %d events; want 7", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Errorf("ids %v are not strictly decreasing", ids)
			break
		}
	}
}

func TestListAuditEventsRejectsBadLimit(t *testing.T) {
	db := migrated(t)
	for _, limit := range []int{0, -1, MaxAuditPage + 1} {
		if _, _, err := db.ListAuditEvents(testContext(t), limit, 0); err == nil {
			t.Errorf("limit %d accepted; want an error", limit)
		}
	}
}

func TestInsertAuditEventsRejectsNUL(t *testing.T) {
	db := migrated(t)
	err := db.InsertAuditEvents(testContext(t), []AuditEvent{{Time: time.Now(), Event: "admin.login_failed", Details: json.RawMessage(`{"user":"a\u0000b"}`)}})
	if !errors.Is(err, ErrAuditRejected) {
		t.Fatalf("InsertAuditEvents error = %v; want ErrAuditRejected", err)
	}
}
