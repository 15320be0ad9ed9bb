package gateway

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/internal/auth"
)

// Keys of the values that the auth middleware stores in a request's locals.
// WebSocket handlers read them with (*websocket.Conn).Locals.
const (
	LocalIdentity   = auth.IdentityLocalsKey // *auth.Identity, set by RequireToken
	LocalClientAddr = "client_addr"          // string, set by ClientAddrMiddleware
)

// Messages of the 401 responses for a missing or misplaced token.
var (
	errMissingToken     = errors.New("missing bearer token: send the header Authorization: Bearer <token>")
	errMissingWSToken   = errors.New("missing bearer token: add ?token=<token> to the WebSocket URL or send Authorization: Bearer <token>")
	errBadAuthorization = errors.New(`invalid Authorization header: want "Bearer <token>"`)
	errQueryTokenOnREST = errors.New("?token= is accepted only on WebSocket upgrades; send the header Authorization: Bearer <token>")
)

// ClientAddrMiddleware stores the client address of each request in the
// locals (LocalClientAddr). X-Forwarded-For counts only when the peer is one
// of proxies. Mount it first, so the access log and the login throttle see
// the same address.
func ClientAddrMiddleware(proxies auth.TrustedProxies) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var forwardedFor []string
		for _, value := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
			forwardedFor = append(forwardedFor, string(value))
		}
		c.Locals(LocalClientAddr, addrString(c, proxies.ClientAddr(peerAddr(c), forwardedFor)))
		return c.Next()
	}
}

// ClientAddr returns the client address that ClientAddrMiddleware stored.
// Without that middleware it returns the peer address and never a
// forwarded one.
func ClientAddr(c *fiber.Ctx) string {
	if addr, ok := c.Locals(LocalClientAddr).(string); ok {
		return addr
	}
	return addrString(c, peerAddr(c))
}

// addrString formats addr, or the peer's network address when the peer is
// not an IP address (a Unix socket, say).
func addrString(c *fiber.Ctx, addr netip.Addr) string {
	if addr.IsValid() {
		return addr.String()
	}
	return c.Context().RemoteAddr().String()
}

// IdentityFrom returns the identity that RequireToken stored, or nil on a
// route without it.
func IdentityFrom(c *fiber.Ctx) *auth.Identity {
	id, _ := c.Locals(LocalIdentity).(*auth.Identity)
	return id
}

// peerAddr returns the IP address of the connection's peer, or the zero
// Addr when the connection is not TCP.
func peerAddr(c *fiber.Ctx) netip.Addr {
	tcp, ok := c.Context().RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	addr, _ := netip.AddrFromSlice(tcp.IP)
	return addr.Unmap()
}

// RequireToken is middleware that admits a request only with a live bearer
// token and stores its identity in the locals (LocalIdentity). The token
// comes from the Authorization header, or from the token query parameter
// on a WebSocket upgrade, because browsers cannot set headers there.
// Anything else gets 401 with a message that names the problem.
func (h *AuthHandlers) RequireToken(c *fiber.Ctx) error {
	token, err := bearerToken(c)
	if err == nil {
		var id *auth.Identity
		if id, err = h.svc.Tokens.Lookup(token); err == nil {
			c.Locals(LocalIdentity, id)
			return c.Next()
		}
	}
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="opendray"`)
	return writeAuthError(c, fiber.StatusUnauthorized, err.Error())
}

func bearerToken(c *fiber.Ctx) (string, error) {
	if header := c.Get(fiber.HeaderAuthorization); header != "" {
		scheme, token, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", errBadAuthorization
		}
		return strings.TrimSpace(token), nil
	}

	upgrade := websocket.IsWebSocketUpgrade(c)
	if token := c.Query("token"); token != "" {
		if !upgrade {
			return "", errQueryTokenOnREST
		}
		return token, nil
	}
	if upgrade {
		return "", errMissingWSToken
	}
	return "", errMissingToken
}

// CheckOrigin is middleware that rejects a WebSocket upgrade with 403 when
// its Origin is neither the gateway's own origin nor in allowed_origins. The gateway's origin is the Host header, or
// X-Forwarded-Host and X-Forwarded-Proto when the peer is a trusted proxy.
// Requests without Origin (clients that are not browsers) and requests
// that are not upgrades pass.
func (h *AuthHandlers) CheckOrigin(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return c.Next()
	}
	request := auth.OriginRequest{
		Origin: c.Get(fiber.HeaderOrigin),
		Host:   string(c.Request().Host()),
	}
	if h.svc.Proxies.Trusts(peerAddr(c)) {
		request.ForwardedHost = c.Get(fiber.HeaderXForwardedHost)
		request.ForwardedProto = c.Get(fiber.HeaderXForwardedProto)
	}
	if h.svc.Origins.Allows(request) {
		return c.Next()
	}

	h.logger.Warn("WebSocket upgrade rejected for its origin",
		slog.String("origin", request.Origin), slog.String("host", request.Host),
		slog.String("path", c.Path()), slog.String("client_addr", ClientAddr(c)))
	return writeAuthError(c, fiber.StatusForbidden,
		"origin "+request.Origin+" may not open WebSockets here; add it to allowed_origins if it is yours")
}
