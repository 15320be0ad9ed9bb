package gateway

import (
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/logging"
)

const (
	defaultLogLimit = 500
	maxLogLimit     = logging.DefaultRingSize
)

// logsBody is the JSON of GET /api/v1/logs.
type logsBody struct {
	Records []logging.Record `json:"records"`
	LastSeq uint64           `json:"last_seq"`
	// Missed counts records after since that the ring no longer holds.
	Missed uint64 `json:"missed"`
}

// listLogs returns records from the ring: with since=N those after N,
// oldest first; without it the newest limit records.
func (s *Server) listLogs(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", defaultLogLimit, 1, maxLogLimit)
	if err != nil {
		return err
	}
	body := logsBody{LastSeq: s.deps.Logs.LastSeq()}
	if c.Query("since") == "" {
		body.Records = s.deps.Logs.Tail(limit)
	} else {
		since, err := querySeq(c, "since")
		if err != nil {
			return err
		}
		body.Records, body.Missed = s.deps.Logs.Since(since, limit)
	}
	if body.Records == nil {
		body.Records = []logging.Record{}
	}
	return c.JSON(body)
}

// checkLogsSince rejects a malformed since before the upgrade, while the
// client can still read a JSON error.
func (s *Server) checkLogsSince(c *fiber.Ctx) error {
	if c.Query("since") != "" {
		if _, err := querySeq(c, "since"); err != nil {
			return err
		}
	}
	return c.Next()
}

// logFrame is a text frame of the live tail.
type logFrame struct {
	Type   string          `json:"type"`
	Record *logging.Record `json:"record,omitempty"`
	Missed uint64          `json:"missed,omitempty"`
}

// streamLogs sends every record after since as it arrives. A reader that
// falls more than the ring behind gets a gap frame with the count missed.
func (s *Server) streamLogs() fiber.Handler {
	return websocket.New(func(conn *websocket.Conn) {
		conn.SetReadLimit(4096) // the client sends nothing but control frames
		since, _ := strconv.ParseUint(conn.Query("since"), 10, 64)
		if conn.Query("since") == "" {
			since = s.deps.Logs.LastSeq()
		}
		wake, cancel := s.deps.Logs.Subscribe()
		defer cancel()

		session := newSocket(conn, s.logger)
		defer session.close()

		for {
			records, missed := s.deps.Logs.Since(since, 200)
			if missed > 0 && !session.sendJSON(logFrame{Type: "gap", Missed: missed}) {
				return
			}
			for i := range records {
				if !session.sendJSON(logFrame{Type: "record", Record: &records[i]}) {
					return
				}
				since = records[i].Seq
			}
			if len(records) == 200 {
				continue // more are waiting
			}
			select {
			case <-wake:
			case <-session.closed:
				return
			case <-identityDone(conn.Locals(LocalIdentity)):
				session.closeWith(auth.CloseCodeTokenEnded, auth.CloseReasonTokenEnded)
				return
			case <-s.closing:
				session.closeWith(websocket.CloseGoingAway, "server shutting down")
				return
			}
		}
	})
}

// socket wraps a WebSocket whose client only listens: a reader goroutine
// notices the client going away, and writes carry a deadline so a stuck
// client cannot hold the handler forever.
type socket struct {
	conn   *websocket.Conn
	logger *slog.Logger
	closed chan struct{} // closed when the reader saw the connection end
}

func newSocket(conn *websocket.Conn, logger *slog.Logger) *socket {
	s := &socket{conn: conn, logger: logger, closed: make(chan struct{})}
	go func() {
		defer close(s.closed)
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	return s
}

func (s *socket) sendJSON(v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		s.logger.Error("encoding a WebSocket frame", slog.String("error", err.Error()))
		return false
	}
	s.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return s.conn.WriteMessage(websocket.TextMessage, data) == nil
}

// closeWith sends a close frame with code and reason.
func (s *socket) closeWith(code int, reason string) {
	s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
}

// close closes the connection and waits for the reader goroutine, so the
// handler returns only when nothing uses the pooled connection.
func (s *socket) close() {
	s.conn.Close()
	<-s.closed
}
