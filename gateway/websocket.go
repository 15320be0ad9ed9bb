package gateway

import (
	"strconv"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
)

// identityDone returns the channel that closes when the identity's token
// is revoked or expires, or nil (never ready) when there is none.
func identityDone(identity any) <-chan struct{} {
	if id, ok := identity.(interface{ Done() <-chan struct{} }); ok {
		return id.Done()
	}
	return nil
}

// upgradeOnly rejects plain HTTP requests on WebSocket routes.
func (s *Server) upgradeOnly(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return &Error{Status: fiber.StatusUpgradeRequired, Message: "this route needs a WebSocket upgrade"}
	}
	return c.Next()
}

// queryInt parses an optional integer query value within [min, max].
func queryInt(c *fiber.Ctx, name string, fallback, min, max int) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < min || n > max {
		return 0, BadRequest(name + "=" + strconv.Quote(raw) + " is invalid; want a whole number from " + strconv.Itoa(min) + " to " + strconv.Itoa(max))
	}
	return n, nil
}

// querySeq parses an unsigned sequence number from the query.
func querySeq(c *fiber.Ctx, name string) (uint64, error) {
	raw := c.Query(name)
	n, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, BadRequest(name + "=" + strconv.Quote(raw) + " is invalid; want a sequence number of 0 or more")
	}
	return n, nil
}
