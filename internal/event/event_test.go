package event

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/eventstream"
)

func TestMarshalEventAddsTypeAndTime(t *testing.T) {
	e := &SessionIdle{
		Meta:          Meta{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		SessionInfo:   SessionInfo{SessionID: "s1", Session: "build", Provider: "shell"},
		SilentSeconds: 31,
	}
	data, err := MarshalEvent(e)
	if err != nil {
		t.Fatalf("MarshalEvent: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	want := map[string]any{
		"type":       "session.idle",
		"time":       "2026-01-02T03:04:05Z",
		"session_id": "s1",
		"name":       "build",
		"provider":   "shell",
		"silent_s":   float64(31),
	}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s = %v; want %v", key, got[key], value)
		}
	}
}

func TestBusDeliversOnlyEvents(t *testing.T) {
	stream := eventstream.NewEventStream()
	bus := NewBus(stream)
	var received []Event
	sub := bus.Subscribe(func(e Event) { received = append(received, e) })

	stream.Publish("not an event")
	bus.Publish(&SessionCreated{SessionInfo: SessionInfo{SessionID: "s1"}})
	bus.Unsubscribe(sub)
	bus.Publish(&SessionCreated{})

	if len(received) != 1 {
		t.Fatalf("received %d events; want 1", len(received))
	}
	if received[0].At().IsZero() {
		t.Error("Publish left the event time zero")
	}
}
