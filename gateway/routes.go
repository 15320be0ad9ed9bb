package gateway

import (
	"github.com/gofiber/fiber/v2"
)

// routes registers the whole HTTP surface.
func (s *Server) routes() {
	app := s.app
	app.Use(s.withRequestID, s.withAccessLog, s.withRecover)

	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/admin/", fiber.StatusFound) })
	app.Get("/admin/*", s.serveSPA)

	api := app.Group("/api/v1")
	api.Get("/health", s.health)

	api.Get("/logs", s.private(s.listLogs)...)
	api.Get("/logs/stream", s.private(s.upgradeOnly, s.checkLogsSince, s.streamLogs())...)

	api.Use(func(c *fiber.Ctx) error {
		return NotFound("no route " + c.Method() + " " + c.Path())
	})
}

// private prefixes handlers with the checks every route but health and
// login needs: the database is ready and the caller holds a valid token.
func (s *Server) private(handlers ...fiber.Handler) []fiber.Handler {
	return append([]fiber.Handler{s.requireReady, s.requireAuth}, handlers...)
}

// requireAuth runs the configured auth middleware.
func (s *Server) requireAuth(c *fiber.Ctx) error {
	if s.deps.Auth == nil {
		return Unavailable("authentication is not configured", nil)
	}
	return s.deps.Auth(c)
}
