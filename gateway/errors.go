package gateway

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// Error is an error with an HTTP status and a message that is safe to show
// to the client. Wrap an internal cause in it to log the cause while the
// client sees only Message.
type Error struct {
	Status  int
	Message string
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf-style constructors for the statuses the API uses.

// BadRequest is a 400 with message.
func BadRequest(message string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message}
}

// NotFound is a 404 with message.
func NotFound(message string) *Error { return &Error{Status: http.StatusNotFound, Message: message} }

// Conflict is a 409 with message.
func Conflict(message string) *Error { return &Error{Status: http.StatusConflict, Message: message} }

// Unavailable is a 503 with message and an internal cause.
func Unavailable(message string, cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Message: message, Cause: cause}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// errorHandler renders any error returned by a handler or middleware.
// Errors of unknown type become a 500 with a generic message; their text is
// logged, never sent.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status := http.StatusInternalServerError
	message := "internal error; the gateway log has the details"

	var gatewayErr *Error
	var fiberErr *fiber.Error
	switch {
	case errors.As(err, &gatewayErr):
		status, message = gatewayErr.Status, gatewayErr.Message
	case errors.As(err, &fiberErr):
		status, message = fiberErr.Code, fiberMessage(fiberErr)
	}

	if status >= 500 {
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn // a dependency is down, which the health checker reports too
		}
		s.logger.Log(c.UserContext(), level, "request failed",
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", status),
			slog.String("request_id", requestID(c)),
			slog.String("error", err.Error()))
	}
	return c.Status(status).JSON(errorBody{Error: message})
}

// fiberMessage replaces fiber's own error messages with ones that name the fix.
func fiberMessage(e *fiber.Error) string {
	switch e.Code {
	case http.StatusRequestEntityTooLarge:
		return "request body too large; the limit is 1 MiB"
	case http.StatusMethodNotAllowed:
		return "method not allowed on this path"
	}
	return e.Message
}
