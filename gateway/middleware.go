package gateway

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/internal/auth"
)

const requestIDKey = "request_id"

// requestID returns the id the request middleware assigned.
func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(requestIDKey).(string); ok {
		return id
	}
	return ""
}

// withRequestID gives each request an id, echoed in X-Request-Id.
func (s *Server) withRequestID(c *fiber.Ctx) error {
	id := fmt.Sprintf("%x", s.requestSeq.Add(1))
	c.Locals(requestIDKey, id)
	c.Set("X-Request-Id", id)
	return c.Next()
}

// withRecover turns a panic in a handler into a 500 and logs its stack.
func (s *Server) withRecover(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("handler panicked",
				slog.String("method", c.Method()),
				slog.String("path", c.Path()),
				slog.String("request_id", requestID(c)),
				slog.String("panic", fmt.Sprint(r)),
				slog.String("stack", string(debug.Stack())))
			err = &Error{Status: fiber.StatusInternalServerError, Message: "internal error; the gateway log has the details"}
		}
	}()
	return c.Next()
}

// withAccessLog logs one line per request after it completes. Query values
// named token are redacted. Health probes and static assets log at debug
// level, so probes every few seconds do not drown the log.
func (s *Server) withAccessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Render the error now so the logged status is the one sent.
		if renderErr := s.errorHandler(c, err); renderErr != nil {
			s.logger.Error("rendering an error response", slog.String("error", renderErr.Error()))
		}
		err = nil
	}
	path := c.Path()
	level := slog.LevelInfo
	if path == "/api/v1/health" || strings.HasPrefix(path, "/admin/assets/") {
		level = slog.LevelDebug
	}
	s.logger.Log(c.UserContext(), level, "http request",
		slog.String("method", c.Method()),
		slog.String("uri", auth.RedactTokenQuery(string(c.Request().RequestURI()))),
		slog.Int("status", c.Response().StatusCode()),
		slog.Duration("elapsed", time.Since(start)),
		slog.String("client_addr", ClientAddr(c)),
		slog.String("request_id", requestID(c)))
	return err
}

// requireReady returns 503 until the database is migrated and the
// subsystems that need it run.
func (s *Server) requireReady(c *fiber.Ctx) error {
	if s.deps.Ready != nil && !s.deps.Ready() {
		c.Set("Retry-After", "2")
		return Unavailable("opendray is waiting for its database; retry shortly", nil)
	}
	return c.Next()
}
