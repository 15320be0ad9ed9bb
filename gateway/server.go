package gateway

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/actors/health"
	"github.com/opendray/opendray/gateway/terminal"
	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/logging"
)

// RequestTimeout bounds reading a request and writing its response.
const RequestTimeout = 60 * time.Second

// BodyLimit is the largest request body accepted.
const BodyLimit = 1 << 20

// HealthChecker reports the database status.
type HealthChecker interface {
	Check(ctx context.Context) (health.Status, error)
}

// Deps are the subsystems the gateway serves.
type Deps struct {
	Logger *slog.Logger
	// Started is when the process started, for uptime.
	Started time.Time
	Health  HealthChecker
	// Ready reports whether the database is migrated and the subsystems
	// behind the API run; until then the API returns 503.
	Ready func() bool
	// Logs is the ring of recent log records.
	Logs *logging.Ring
	// SPA is the built admin UI (index.html at its root); nil serves a page
	// that explains how to build it.
	SPA fs.FS
	// Auth is the middleware that admits a request with a valid token and
	// stores the caller's identity; nil rejects every protected route.
	// It is usually AuthHandlers.RequireToken.
	Auth fiber.Handler
	// AuthHandlers serves login, logout, me and change-credentials and
	// checks WebSocket origins; nil leaves those routes out.
	AuthHandlers *AuthHandlers
	// Audit serves the audit trail; nil leaves the route out.
	Audit *AuditHandlers
	// Proxies are the reverse proxies whose X-Forwarded-For is believed.
	Proxies auth.TrustedProxies
	// Sessions serves the provider catalog and the session routes; nil
	// leaves them out.
	Sessions *SessionsHandler
	// Terminal serves the session stream WebSocket; nil leaves it out.
	Terminal *terminal.Handler
	// Events serves the event WebSocket; nil leaves it out.
	Events *EventsHandler
}

// Server is the HTTP gateway.
type Server struct {
	app        *fiber.App
	deps       Deps
	logger     *slog.Logger
	requestSeq atomic.Uint64
	// closing is closed when Shutdown begins; long-lived WebSocket handlers
	// then close with 1001 (going away).
	closing   chan struct{}
	closeOnce sync.Once
}

// New builds the gateway and its routes.
func New(deps Deps) *Server {
	s := &Server{deps: deps, logger: deps.Logger.With("component", "gateway"), closing: make(chan struct{})}
	if deps.Events != nil && deps.Events.Closing == nil {
		deps.Events.Closing = s.closing
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "opendray",
		DisableStartupMessage: true,
		ReadTimeout:           RequestTimeout,
		WriteTimeout:          RequestTimeout,
		IdleTimeout:           2 * RequestTimeout,
		BodyLimit:             BodyLimit,
		ErrorHandler:          s.errorHandler,
		ReadBufferSize:        16 << 10,
	})
	s.routes()
	return s
}

// App returns the fiber app, for tests that drive it directly.
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown; it returns nil after a
// clean shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.app.Listener(ln)
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends. Hijacked WebSocket connections are not waited for: their
// owners close them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	return s.app.ShutdownWithContext(ctx)
}
