package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/internal/buildinfo"
)

// healthBody is the JSON of GET /api/v1/health.
type healthBody struct {
	Status  string `json:"status"`
	Version string `json:"version"`
	Commit  string `json:"commit"`
	UptimeS int64  `json:"uptime_s"`
	DBOK    bool   `json:"db_ok"`
}

// health returns 200 when a database ping succeeds within 2 s and 503
// (status "degraded") otherwise. It serves liveness and readiness alike.
func (s *Server) health(c *fiber.Ctx) error {
	body := healthBody{
		Status:  "ok",
		Version: buildinfo.Version,
		Commit:  buildinfo.CommitOrVCS(),
		UptimeS: int64(time.Since(s.deps.Started).Seconds()),
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	status, err := s.deps.Health.Check(ctx)
	body.DBOK = err == nil && status.DBOK

	c.Set("Cache-Control", "no-store")
	if !body.DBOK {
		body.Status = "degraded"
		return c.Status(http.StatusServiceUnavailable).JSON(body)
	}
	return c.JSON(body)
}
