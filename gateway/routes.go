package gateway

import (
	"github.com/gofiber/fiber/v2"
)

// routes registers the whole HTTP surface.
func (s *Server) routes() {
	app := s.app
	app.Use(s.withRequestID, ClientAddrMiddleware(s.deps.Proxies), s.withAccessLog, s.withRecover)

	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/admin/", fiber.StatusFound) })
	app.Get("/admin/*", s.serveSPA)

	api := app.Group("/api/v1")
	api.Get("/health", s.health)

	if h := s.deps.AuthHandlers; h != nil {
		api.Post("/auth/login", h.Login)
		api.Post("/auth/mobile-login", h.MobileLogin)
		api.Post("/auth/logout", s.authed(h.Logout)...)
		api.Get("/auth/me", s.authed(h.Me)...)
		api.Post("/auth/change-credentials", s.authed(h.ChangeCredentials)...)
	}
	if s.deps.Audit != nil {
		api.Get("/audit", s.private(s.deps.Audit.List)...)
	}

	if h := s.deps.Sessions; h != nil {
		api.Get("/providers", s.private(h.Providers)...)
		api.Get("/sessions", s.private(h.List)...)
		api.Post("/sessions", s.private(h.Create)...)
		api.Get("/sessions/:id", s.private(h.Get)...)
		api.Delete("/sessions/:id", s.private(h.Delete)...)
		api.Post("/sessions/:id/stop", s.private(h.Stop)...)
		api.Post("/sessions/:id/input", s.private(h.Input)...)
		api.Post("/sessions/:id/resize", s.private(h.Resize)...)
		api.Get("/sessions/:id/buffer", s.private(h.Buffer)...)
		api.Get("/sessions/:id/snapshot", s.private(h.Snapshot)...)
	}
	if s.deps.Terminal != nil {
		api.Get("/sessions/:id/stream", s.socket(s.deps.Terminal.Stream())...)
	}
	if s.deps.Events != nil {
		api.Get("/events", s.socket(s.deps.Events.Stream())...)
	}

	api.Get("/logs", s.private(s.listLogs)...)
	api.Get("/logs/stream", s.socket(s.checkLogsSince, s.streamLogs())...)

	noRoute := func(c *fiber.Ctx) error {
		return NotFound("no route " + c.Method() + " " + c.Path())
	}
	api.Use(noRoute)
	app.Use(noRoute)
}

// authed prefixes handlers with the token check.
func (s *Server) authed(handlers ...fiber.Handler) []fiber.Handler {
	return append([]fiber.Handler{s.requireAuth}, handlers...)
}

// private prefixes handlers with the checks every route that needs the
// database has: the database is ready and the caller holds a valid token.
func (s *Server) private(handlers ...fiber.Handler) []fiber.Handler {
	return append([]fiber.Handler{s.requireReady, s.requireAuth}, handlers...)
}

// socket prefixes a WebSocket handler with the upgrade check, the Origin
// check and the checks of private.
func (s *Server) socket(handlers ...fiber.Handler) []fiber.Handler {
	checks := []fiber.Handler{s.upgradeOnly}
	if s.deps.AuthHandlers != nil {
		checks = append(checks, s.deps.AuthHandlers.CheckOrigin)
	}
	return append(append(checks, s.requireReady, s.requireAuth), handlers...)
}

// requireAuth runs the configured auth middleware.
func (s *Server) requireAuth(c *fiber.Ctx) error {
	if s.deps.Auth == nil {
		return Unavailable("authentication is not configured", nil)
	}
	return s.deps.Auth(c)
}
