package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/store"
)

// rowFromEvent converts any event to an audit row without knowing its
// type, so events added later are stored as well. The row takes the
// event's name and time. Actor comes from the JSON field "user" (or
// "old_user", the admin who rotated the credentials), and client_addr and
// session_id from the fields of those names. Details contains every field
// except type and time.
//
// PostgreSQL rejects NUL in text and jsonb, and a login request can carry
// one in its user name, so NUL characters become U+FFFD.
func rowFromEvent(e event.Event) (store.AuditEvent, error) {
	data, err := event.MarshalEvent(e)
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("encoding %s event: %w", e.Name(), err)
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var fields map[string]any
	if err := decoder.Decode(&fields); err != nil {
		return store.AuditEvent{}, fmt.Errorf("decoding %s event: %w", e.Name(), err)
	}
	delete(fields, "type")
	delete(fields, "time")
	scrubNUL(fields)

	details, err := json.Marshal(fields)
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("encoding %s details: %w", e.Name(), err)
	}
	at := e.At()
	if at.IsZero() {
		// Only Bus.Publish stamps the time, and an event can reach the
		// stream without it.
		at = time.Now()
	}
	row := store.AuditEvent{
		Time:       at,
		Event:      e.Name(),
		Actor:      stringField(fields, "user"),
		ClientAddr: stringField(fields, "client_addr"),
		Details:    details,
	}
	if row.Actor == "" {
		row.Actor = stringField(fields, "old_user")
	}
	if sessionID := stringField(fields, "session_id"); sessionID != "" {
		row.SessionID = &sessionID
	}
	return row, nil
}

func stringField(fields map[string]any, key string) string {
	value, _ := fields[key].(string)
	return value
}

// scrubNUL replaces NUL characters in every string and key of a decoded
// JSON value, in place where it can.
func scrubNUL(value any) any {
	switch v := value.(type) {
	case string:
		return strings.ReplaceAll(v, "\x00", "\uFFFD")
	case map[string]any:
		for key, item := range v {
			clean := scrubNUL(item)
			if cleanKey := strings.ReplaceAll(key, "\x00", "\uFFFD"); cleanKey != key {
				delete(v, key)
				key = cleanKey
			}
			v[key] = clean
		}
		return v
	case []any:
		for i, item := range v {
			v[i] = scrubNUL(item)
		}
		return v
	}
	return value
}
