package gateway

import (
	"encoding/json"
	"errors"
	"net"
	"testing"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"
)

type eventsTestIdentity struct{ done chan struct{} }

func (i *eventsTestIdentity) Done() <-chan struct{} { return i.done }

func TestEventsStreamSendsBusEvents(t *testing.T) {
	a := newSessionsTestApp(t)
	identity := &eventsTestIdentity{done: make(chan struct{})}
	handler := &EventsHandler{Bus: a.env.Bus, Logger: a.env.Logger}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error {
		c.Locals("identity", identity)
		return c.Next()
	})
	app.Get("/api/v1/events", handler.Stream())
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(listener) }()
	t.Cleanup(func() {
		if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shutting down: %v", err)
		}
		<-served
	})

	dialer := fastws.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := dialer.Dial("ws://"+listener.Addr().String()+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The subscription starts inside the handler, after the upgrade.
	time.Sleep(100 * time.Millisecond)

	info := a.env.Create(t, "/bin/sh", "-c", "exit 0")
	want := []string{"session.created", "session.running", "session.ended"}
	for _, kind := range want {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", kind, err)
		}
		var e map[string]any
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("event %q is not JSON: %v", data, err)
		}
		if e["type"] != kind || e["session_id"] != info.ID || e["time"] == nil {
			t.Errorf("event = %s; want %s for session %s with a time", data, kind, info.ID)
		}
	}

	close(identity.done)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = conn.ReadMessage()
	var closeErr *fastws.CloseError
	if !errors.As(err, &closeErr) || closeErr.Code != 4401 {
		t.Errorf("after revocation: %v; want close 4401", err)
	}
}
