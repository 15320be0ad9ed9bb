package terminal

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/internal/auth"
)

const (
	// MaxInputFrame is the largest keystroke frame accepted.
	MaxInputFrame = 64 << 10
	// maxMessage is the read limit: a frame above it closes the stream
	// with 1009. Frames between MaxInputFrame and maxMessage are read
	// and discarded without being held in memory.
	maxMessage = 32 << 20
	// maxControlFrame is the largest JSON control message parsed.
	maxControlFrame = 4 << 10
	// replayFrame is the size of the binary frames of a replay.
	replayFrame = 256 << 10
	// maxBatch is the largest binary message joined from live output.
	maxBatch = 64 << 10
	// writeTimeout is how long one write may block on a client that does
	// not read before the stream is closed. The session is not held up
	// meanwhile: the viewer lags and later catches up from the ring.
	writeTimeout = 30 * time.Second
	// closeWait is how long to wait for the client's close frame after
	// the server sent its own.
	closeWait = 2 * time.Second

	// CloseRevoked is the close code when the caller's token is revoked
	// or expires; clients log in again rather than reconnect.
	CloseRevoked = auth.CloseCodeTokenEnded
	// CloseNotFound is the close code when the session disappeared
	// between the upgrade and the attach.
	CloseNotFound = 4404
)

// identity is the part of the auth middleware's caller identity, stored in
// Locals under auth.IdentityLocalsKey, that a stream needs.
type identity interface {
	Done() <-chan struct{}
}

// Handler serves session streams.
type Handler struct {
	Sessions *session.Client
	Logger   *slog.Logger
	// Origins lists the allowed Origin header values of the upgrade; empty
	// allows any, so an Origin check must then run in middleware.
	Origins []string
}

// Stream returns the fiber handler for GET /api/v1/sessions/:id/stream.
// It expects the auth middleware to run first. A request that is not a
// WebSocket upgrade gets 426, an unknown session 404 and a bad since or
// flow value 400, all before the upgrade.
func (h *Handler) Stream() fiber.Handler {
	upgrade := websocket.New(h.serve, websocket.Config{
		Origins:         h.Origins,
		ReadBufferSize:  32 << 10,
		WriteBufferSize: 64 << 10,
	})
	return func(c *fiber.Ctx) error {
		if !websocket.IsWebSocketUpgrade(c) {
			return c.Status(fiber.StatusUpgradeRequired).JSON(fiber.Map{"error": "this endpoint is a WebSocket; connect with a WebSocket client"})
		}
		if _, err := parseOptions(c.Query("since"), c.Query("flow")); err != nil {
			return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": err.Error()})
		}
		if _, err := h.Sessions.Get(c.UserContext(), c.Params("id")); err != nil {
			if errors.Is(err, session.ErrNotFound) {
				return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": session.PublicMessage(err)})
			}
			h.logger().Error("looking up a session for a stream failed", slog.String("session_id", c.Params("id")), slog.Any("error", err))
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": session.PublicMessage(err)})
		}
		return upgrade(c)
	}
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

type options struct {
	since int64
	ack   bool
}

func parseOptions(since, flow string) (options, error) {
	opts := options{since: -1}
	if since != "" {
		n, err := strconv.ParseInt(since, 10, 64)
		if err != nil || n < 0 {
			return opts, errors.New("since must be a non-negative output offset, for example since=0")
		}
		opts.since = n
	}
	switch flow {
	case "":
	case "ack":
		opts.ack = true
	default:
		return opts, errors.New("flow must be ack or absent")
	}
	return opts, nil
}

// serve runs one stream on the upgraded connection.
func (h *Handler) serve(conn *websocket.Conn) {
	id := conn.Params("id")
	log := h.logger().With(slog.String("session_id", id))
	opts, _ := parseOptions(conn.Query("since"), conn.Query("flow"))
	var revoked <-chan struct{}
	if ident, ok := conn.Locals(auth.IdentityLocalsKey).(identity); ok {
		revoked = ident.Done()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	att, err := h.Sessions.Attach(ctx, id, session.AttachOptions{Since: opts.since, Ack: opts.ack})
	cancel()
	if err != nil {
		code := websocket.CloseInternalServerErr
		if errors.Is(err, session.ErrNotFound) {
			code = CloseNotFound
		} else {
			log.Error("attaching a stream failed", slog.Any("error", err))
		}
		closeWith(conn.Conn, code, session.PublicMessage(err))
		return
	}

	s := &stream{
		conn:    conn.Conn,
		log:     log,
		att:     att,
		viewer:  att.Viewer,
		ack:     opts.ack,
		control: make(chan []byte, 16),
		stop:    make(chan struct{}),
		revoked: revoked,
	}
	conn.SetReadLimit(maxMessage)

	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		s.write()
	}()
	s.read()

	close(s.stop)
	writer.Wait()
	if s.viewer != nil {
		s.viewer.Close()
	}
}

// stream is one connected client.
type stream struct {
	conn    *fastws.Conn
	log     *slog.Logger
	att     *session.Attachment
	viewer  *session.Viewer
	ack     bool
	control chan []byte   // text frames from the reader for the writer
	stop    chan struct{} // closed when the reader has ended
	revoked <-chan struct{}
	batch   []byte // reused by the writer to join output frames
}

// read handles client frames until the connection fails or closes.
func (s *stream) read() {
	for {
		kind, r, err := s.conn.NextReader()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) &&
				!errors.Is(err, io.EOF) {
				s.log.Debug("stream read ended", slog.Any("error", err))
			}
			return
		}
		switch kind {
		case websocket.BinaryMessage:
			s.readInput(r)
		case websocket.TextMessage:
			s.readControl(r)
		}
	}
}

func (s *stream) readInput(r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputFrame+1))
	if err != nil {
		return
	}
	if len(data) > MaxInputFrame {
		discarded, _ := io.Copy(io.Discard, r)
		s.sendError("input frame of " + strconv.FormatInt(int64(len(data))+discarded, 10) +
			" bytes rejected; send keystrokes in frames of at most " + strconv.Itoa(MaxInputFrame) + " bytes")
		return
	}
	if s.viewer == nil {
		s.sendError("the session has finished; input is accepted only while it runs")
		return
	}
	s.viewer.Input(data)
}

type controlMessage struct {
	Type   string `json:"type"`
	Cols   int    `json:"cols"`
	Rows   int    `json:"rows"`
	Offset int64  `json:"offset"`
}

func (s *stream) readControl(r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, maxControlFrame+1))
	if err != nil {
		return
	}
	if len(data) > maxControlFrame {
		_, _ = io.Copy(io.Discard, r)
		s.log.Debug("oversized control message ignored", slog.Int("bytes", len(data)))
		return
	}
	var msg controlMessage
	if err := json.Unmarshal(data, &msg); err != nil {
		s.log.Debug("control message is not valid JSON; ignored", slog.Any("error", err))
		return
	}
	if s.viewer == nil {
		return
	}
	switch msg.Type {
	case "resize":
		if err := s.viewer.Resize(msg.Cols, msg.Rows); err != nil {
			s.sendError(session.PublicMessage(err))
		}
	case "ack":
		if !s.ack {
			s.log.Debug("ack ignored: the stream did not ask for flow=ack")
			return
		}
		s.viewer.Ack(msg.Offset)
	default:
		s.log.Debug("unknown control message ignored", slog.String("type", msg.Type))
	}
}

// sendError hands an error notice to the writer, dropping it when the
// writer is far behind.
func (s *stream) sendError(text string) {
	frame, _ := json.Marshal(struct {
		Type  string `json:"type"`
		Error string `json:"error"`
	}{"error", text})
	select {
	case s.control <- frame:
	default:
	}
}
