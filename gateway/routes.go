package gateway

import (
	"github.com/gofiber/fiber/v2"
)

// routes registers the whole HTTP surface.
func (s *Server) routes() {
	app := s.app
	app.Use(s.withRequestID, s.withAccessLog, s.withRecover)

	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/admin/", fiber.StatusFound) })
	app.Get("/admin", func(c *fiber.Ctx) error { return c.Redirect("/admin/", fiber.StatusMovedPermanently) })
	app.Get("/admin/*", s.serveSPA)

	api := app.Group("/api/v1")
	api.Get("/health", s.health)

	ready := api.Group("", s.requireReady)
	protected := ready.Group("", s.requireAuth)
	protected.Get("/logs", s.listLogs)
	protected.Get("/logs/stream", s.upgradeOnly, s.checkLogsSince, s.streamLogs())

	api.Use(func(c *fiber.Ctx) error {
		return NotFound("no route " + c.Method() + " " + c.Path())
	})
}

// requireAuth runs the configured auth middleware.
func (s *Server) requireAuth(c *fiber.Ctx) error {
	if s.deps.Auth == nil {
		return Unavailable("authentication is not configured", nil)
	}
	return s.deps.Auth(c)
}
