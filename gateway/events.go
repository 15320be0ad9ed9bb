package gateway

import (
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/event"
)

// eventQueue is how many events may wait for one slow client; more are
// dropped and counted.
const eventQueue = 256

// EventsHandler serves GET /api/v1/events: a WebSocket that sends every
// bus event as one JSON text frame. Mount Stream behind the auth
// middleware; the stream closes with 4401 when the caller's token is
// revoked or expires.
type EventsHandler struct {
	Bus    *event.Bus
	Logger *slog.Logger
	// Origins lists the allowed Origin header values; empty allows any.
	Origins []string
	// Closing, when closed, makes every stream send close code 1001 (going
	// away), so clients can tell a shutdown from a network failure. The
	// gateway's Server sets it.
	Closing <-chan struct{}
}

// Stream returns the fiber handler for the events WebSocket.
func (h *EventsHandler) Stream() fiber.Handler {
	upgrade := websocket.New(h.serve, websocket.Config{Origins: h.Origins})
	return func(c *fiber.Ctx) error {
		if !websocket.IsWebSocketUpgrade(c) {
			return c.Status(fiber.StatusUpgradeRequired).JSON(fiber.Map{"error": "this endpoint is a WebSocket; connect with a WebSocket client"})
		}
		return upgrade(c)
	}
}

func (h *EventsHandler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

func (h *EventsHandler) serve(conn *websocket.Conn) {
	revoked := identityDone(conn.Locals(LocalIdentity))

	events := make(chan event.Event, eventQueue)
	var dropped int
	var droppedMu sync.Mutex
	sub := h.Bus.Subscribe(func(e event.Event) {
		select {
		case events <- e:
		default:
			droppedMu.Lock()
			dropped++
			droppedMu.Unlock()
		}
	})

	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		h.writeEvents(conn, events, stop, revoked)
	}()

	// The reader only notices the client closing; clients send nothing.
	conn.SetReadLimit(4 << 10)
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}

	h.Bus.Unsubscribe(sub)
	close(stop)
	writer.Wait()
	droppedMu.Lock()
	defer droppedMu.Unlock()
	if dropped > 0 {
		h.logger().Warn("events dropped for a slow events client", slog.Int("dropped", dropped))
	}
}

func (h *EventsHandler) writeEvents(conn *websocket.Conn, events <-chan event.Event, stop, revoked <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-revoked:
			message := websocket.FormatCloseMessage(auth.CloseCodeTokenEnded, auth.CloseReasonTokenEnded)
			_ = conn.WriteControl(websocket.CloseMessage, message, time.Now().Add(10*time.Second))
			_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			return
		case <-h.Closing:
			message := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down")
			_ = conn.WriteControl(websocket.CloseMessage, message, time.Now().Add(2*time.Second))
			_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			return
		case e := <-events:
			data, err := event.MarshalEvent(e)
			if err != nil {
				h.logger().Error("encoding an event failed", slog.String("event", e.Name()), slog.Any("error", err))
				continue
			}
			_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := conn.WriteMessage(websocket.TextMessage, data); err != nil {
				_ = conn.Close()
				return
			}
		}
	}
}
