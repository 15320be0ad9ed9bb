package gateway

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/actors/session"
)

// maxInputBody is the largest POST /input body accepted.
const maxInputBody = 512 << 10

// SessionsHandler serves the provider catalog and the session REST
// routes. Mount its methods behind the auth middleware:
//
//	GET    /api/v1/providers               Providers
//	GET    /api/v1/sessions                List
//	POST   /api/v1/sessions                Create
//	GET    /api/v1/sessions/:id            Get
//	DELETE /api/v1/sessions/:id            Delete
//	POST   /api/v1/sessions/:id/stop       Stop
//	POST   /api/v1/sessions/:id/input      Input
//	POST   /api/v1/sessions/:id/resize     Resize
//	GET    /api/v1/sessions/:id/buffer     Buffer
//	GET    /api/v1/sessions/:id/snapshot   Snapshot
type SessionsHandler struct {
	Sessions *session.Client
	Logger   *slog.Logger
}

func (h *SessionsHandler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

// sessionID returns the :id route parameter, copied because fiber reuses
// the request buffer after the handler returns and the id travels on in
// actor messages.
func sessionID(c *fiber.Ctx) string { return strings.Clone(c.Params("id")) }

// fail writes the JSON error for err: 404, 409, 400, 429 or 503 with the
// error's public message, or 500 after logging the internal error.
func (h *SessionsHandler) fail(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	switch {
	case errors.Is(err, session.ErrNotFound):
		status = fiber.StatusNotFound
	case errors.Is(err, session.ErrWrongState):
		status = fiber.StatusConflict
	case errors.Is(err, session.ErrInvalid):
		status = fiber.StatusBadRequest
	case errors.Is(err, session.ErrBusy):
		status = fiber.StatusTooManyRequests
	case errors.Is(err, session.ErrUnavailable):
		status = fiber.StatusServiceUnavailable
	}
	if status >= 500 {
		h.logger().Error("session request failed", slog.String("method", c.Method()), slog.String("path", c.Path()),
			slog.String("session_id", c.Params("id")), slog.Any("error", err))
	}
	return c.Status(status).JSON(fiber.Map{"error": session.PublicMessage(err)})
}

func writeBadRequest(c *fiber.Ctx, format string, args ...any) error {
	return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": fmt.Sprintf(format, args...)})
}

// Providers returns {"providers": [...]} with each provider's install
// status on this host.
func (h *SessionsHandler) Providers(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"providers": h.Sessions.Providers()})
}

// List returns {"sessions": [...]}, newest first.
func (h *SessionsHandler) List(c *fiber.Ctx) error {
	sessions, err := h.Sessions.List(c.UserContext())
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(fiber.Map{"sessions": sessions})
}

// Create starts a session and returns it with 201.
func (h *SessionsHandler) Create(c *fiber.Ctx) error {
	var req session.CreateRequest
	if err := decodeBody(c, &req); err != nil {
		return writeBadRequest(c, "%v", err)
	}
	info, err := h.Sessions.Create(c.UserContext(), req)
	if err != nil {
		return h.fail(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(info)
}

// Get returns one session with viewers, idle_since and last_output_at.
func (h *SessionsHandler) Get(c *fiber.Ctx) error {
	details, err := h.Sessions.Get(c.UserContext(), sessionID(c))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(details)
}

// Delete removes a finished session's record; 409 while it runs.
func (h *SessionsHandler) Delete(c *fiber.Ctx) error {
	if err := h.Sessions.Delete(c.UserContext(), sessionID(c)); err != nil {
		return h.fail(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Stop ends a session (SIGTERM, then SIGKILL after the grace period) and
// returns it once its process has exited.
func (h *SessionsHandler) Stop(c *fiber.Ctx) error {
	info, err := h.Sessions.Stop(c.UserContext(), sessionID(c))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(info)
}

type inputBody struct {
	Data       *string `json:"data"`
	DataBase64 *string `json:"data_base64"`
}

// Input writes {"data": "text"} or {"data_base64": "..."} to the PTY.
func (h *SessionsHandler) Input(c *fiber.Ctx) error {
	if len(c.Body()) > maxInputBody {
		return writeBadRequest(c, "input body is %d bytes; send at most %d bytes per request", len(c.Body()), maxInputBody)
	}
	var body inputBody
	if err := decodeBody(c, &body); err != nil {
		return writeBadRequest(c, "%v", err)
	}
	var data []byte
	switch {
	case body.Data != nil && body.DataBase64 != nil:
		return writeBadRequest(c, "send either data or data_base64, not both")
	case body.Data != nil:
		data = []byte(*body.Data)
	case body.DataBase64 != nil:
		decoded, err := base64.StdEncoding.DecodeString(*body.DataBase64)
		if err != nil {
			return writeBadRequest(c, "data_base64 is not valid standard base64: %v", err)
		}
		data = decoded
	default:
		return writeBadRequest(c, "missing data; send {\"data\": \"text\"} or {\"data_base64\": \"...\"}")
	}
	if err := h.Sessions.Input(c.UserContext(), sessionID(c), data); err != nil {
		return h.fail(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type resizeBody struct {
	Cols *int `json:"cols"`
	Rows *int `json:"rows"`
}

// Resize sets the PTY size from {"cols": C, "rows": R}.
func (h *SessionsHandler) Resize(c *fiber.Ctx) error {
	var body resizeBody
	if err := decodeBody(c, &body); err != nil {
		return writeBadRequest(c, "%v", err)
	}
	if body.Cols == nil || body.Rows == nil {
		return writeBadRequest(c, "missing cols or rows; send {\"cols\": 120, \"rows\": 40}")
	}
	info, err := h.Sessions.Resize(c.UserContext(), sessionID(c), *body.Cols, *body.Rows)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(info)
}

// Buffer returns the ring as raw bytes, with the offsets of its first and
// one-past-last byte in X-Opendray-Offset-Start and X-Opendray-Offset-End.
func (h *SessionsHandler) Buffer(c *fiber.Ctx) error {
	buf, err := h.Sessions.Buffer(c.UserContext(), sessionID(c))
	if err != nil {
		return h.fail(c, err)
	}
	c.Set("X-Opendray-Offset-Start", strconv.FormatInt(buf.Start, 10))
	c.Set("X-Opendray-Offset-End", strconv.FormatInt(buf.End, 10))
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	return c.Send(buf.Data)
}

// Snapshot returns the emulated screen: size, cursor and lines of text.
func (h *SessionsHandler) Snapshot(c *fiber.Ctx) error {
	snap, err := h.Sessions.Snapshot(c.UserContext(), sessionID(c))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(snap)
}
