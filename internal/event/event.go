package event

import (
	"encoding/json"
	"time"
)

// Event is implemented by every event type of this package.
type Event interface {
	// Name returns the dotted event name used in JSON and in the audit table.
	Name() string
	// At returns the time the event happened.
	At() time.Time
	meta() *Meta
}

// Meta carries the fields every event shares. Publishers may leave Time
// zero; Bus.Publish fills it in.
type Meta struct {
	Time time.Time `json:"time"`
}

// At returns the time the event happened.
func (m *Meta) At() time.Time { return m.Time }

func (m *Meta) meta() *Meta { return m }

// MarshalEvent encodes e as one JSON object: its fields plus "type" and "time".
func MarshalEvent(e Event) ([]byte, error) {
	fields, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(fields, &object); err != nil {
		return nil, err
	}
	name, _ := json.Marshal(e.Name())
	object["type"] = name
	at, _ := json.Marshal(e.At().UTC().Format(time.RFC3339Nano))
	object["time"] = at
	return json.Marshal(object)
}
