package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/event"
)

// maxAuthBodyBytes bounds the JSON body of the auth routes, which carry
// only a user name and passwords.
const maxAuthBodyBytes = 4 << 10

// maxLoggedUserBytes bounds a presented user name in logs and events.
const maxLoggedUserBytes = 64

// msgBadCredentials is the response to a wrong user name and to a wrong
// password alike, so a client cannot tell which one was wrong.
const msgBadCredentials = "invalid user name or password"

// AuthHandlers serves the /api/v1/auth routes and provides the auth
// middleware (RequireToken, CheckOrigin).
type AuthHandlers struct {
	svc    *auth.Service
	bus    *event.Bus
	logger *slog.Logger
}

// NewAuthHandlers returns the auth handlers for svc. Logins, logouts and
// credential changes are published on bus for the audit sink.
func NewAuthHandlers(svc *auth.Service, bus *event.Bus, logger *slog.Logger) *AuthHandlers {
	return &AuthHandlers{svc: svc, bus: bus, logger: logger}
}

type tokenResponse struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

type meResponse struct {
	User      string `json:"user"`
	Kind      string `json:"kind"`
	ExpiresAt string `json:"expires_at"`
}

// Login serves POST /api/v1/auth/login: {user, password} to a browser
// token, {token, expires_at}.
func (h *AuthHandlers) Login(c *fiber.Ctx) error { return h.login(c, auth.KindBrowser) }

// MobileLogin serves POST /api/v1/auth/mobile-login: like Login, with the
// mobile token lifetime.
func (h *AuthHandlers) MobileLogin(c *fiber.Ctx) error { return h.login(c, auth.KindMobile) }

func (h *AuthHandlers) login(c *fiber.Ctx, kind auth.Kind) error {
	addr := ClientAddr(c)
	body, err := decodeAuthBody(c)
	if err != nil {
		return writeRequestError(c, err)
	}
	user, err := body.requiredString("user")
	if err != nil {
		return writeRequestError(c, err)
	}
	password, err := body.requiredString("password")
	if err != nil {
		return writeRequestError(c, err)
	}

	attempt, decision := h.svc.Throttle.Begin(addr)
	if !decision.Allowed {
		return h.rejectThrottled(c, addr, user, decision)
	}
	if !h.svc.Credentials.Verify(user, auth.Secret(password)) {
		attempt.Fail()
		h.logger.Warn("admin login failed", slog.String("user", truncateUser(user)), slog.String("client_addr", addr))
		h.bus.Publish(&event.AdminLoginFailed{User: truncateUser(user), ClientAddr: addr})
		return writeAuthError(c, fiber.StatusUnauthorized, msgBadCredentials)
	}
	attempt.Succeed()

	token, id, err := h.svc.Tokens.Issue(user, kind)
	if err != nil {
		h.logger.Error("issuing a token failed", slog.Any("error", err))
		return writeAuthError(c, fiber.StatusInternalServerError, "issuing a token failed")
	}
	h.logger.Info("admin logged in", slog.String("user", user), slog.String("kind", string(kind)), slog.String("client_addr", addr))
	h.bus.Publish(&event.AdminLoginSuccess{User: user, ClientAddr: addr, Mobile: kind == auth.KindMobile})
	return writeToken(c, token, id)
}

func (h *AuthHandlers) rejectThrottled(c *fiber.Ctx, addr, user string, decision auth.Decision) error {
	seconds := int(math.Ceil(decision.RetryAfter.Seconds()))
	if decision.Report {
		h.logger.Warn("admin login throttled", slog.String("scope", decision.Scope), slog.String("client_addr", addr),
			slog.Int("attempts", decision.Attempts), slog.Int("retry_after_s", seconds))
		h.bus.Publish(&event.AdminLoginThrottled{User: truncateUser(user), ClientAddr: addr, Scope: decision.Scope, Attempts: decision.Attempts})
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(seconds))
	return writeAuthError(c, fiber.StatusTooManyRequests, fmt.Sprintf("too many failed logins; try again in %d seconds (the count lives in memory, so restarting opendray also clears it)", seconds))
}

// Logout serves POST /api/v1/auth/logout: it revokes the presented token,
// which closes the WebSockets opened with it, and returns 204.
func (h *AuthHandlers) Logout(c *fiber.Ctx) error {
	id := IdentityFrom(c)
	if id == nil {
		return writeAuthError(c, fiber.StatusUnauthorized, errMissingToken.Error())
	}
	h.svc.Tokens.Revoke(id)
	addr := ClientAddr(c)
	h.logger.Info("admin logged out", slog.String("user", id.User), slog.String("client_addr", addr))
	h.bus.Publish(&event.AdminLogout{User: id.User, ClientAddr: addr})
	return c.SendStatus(fiber.StatusNoContent)
}

// Me serves GET /api/v1/auth/me: {user, kind, expires_at} of the token.
func (h *AuthHandlers) Me(c *fiber.Ctx) error {
	id := IdentityFrom(c)
	if id == nil {
		return writeAuthError(c, fiber.StatusUnauthorized, errMissingToken.Error())
	}
	return c.JSON(meResponse{User: id.User, Kind: string(id.Kind), ExpiresAt: formatTime(id.ExpiresAt)})
}

// ChangeCredentials serves POST /api/v1/auth/change-credentials:
// {current_password, new_user (optional), new_password}. It writes the new
// keyfile, revokes every token (closing their WebSockets) and returns a
// fresh token of the caller's kind, {token, expires_at}. A wrong current
// password gets 403 and counts as a failed login for the throttle.
func (h *AuthHandlers) ChangeCredentials(c *fiber.Ctx) error {
	id := IdentityFrom(c)
	if id == nil {
		return writeAuthError(c, fiber.StatusUnauthorized, errMissingToken.Error())
	}
	addr := ClientAddr(c)
	body, err := decodeAuthBody(c)
	if err != nil {
		return writeRequestError(c, err)
	}
	current, err := body.requiredString("current_password")
	if err != nil {
		return writeRequestError(c, err)
	}
	newPassword, err := body.requiredString("new_password")
	if err != nil {
		return writeRequestError(c, err)
	}
	newUser, present, err := body.optionalString("new_user")
	if err != nil {
		return writeRequestError(c, err)
	}
	if present {
		if err := auth.ValidateUserName(newUser); err != nil {
			return writeAuthError(c, fiber.StatusBadRequest, "new_user "+err.Error())
		}
	}
	if err := auth.ValidateNewPassword(auth.Secret(newPassword)); err != nil {
		return writeAuthError(c, fiber.StatusBadRequest, err.Error())
	}

	attempt, decision := h.svc.Throttle.Begin(addr)
	if !decision.Allowed {
		return h.rejectThrottled(c, addr, id.User, decision)
	}
	rotation, err := h.svc.Credentials.Rotate(id.User, auth.Secret(current), newUser, auth.Secret(newPassword))
	if err != nil {
		return h.rejectRotation(c, attempt, id, addr, err)
	}
	attempt.Succeed()

	revoked := h.svc.Tokens.RevokeAll()
	token, fresh, err := h.svc.Tokens.Issue(rotation.NewUser, id.Kind)
	if err != nil {
		h.logger.Error("issuing a token after the credential change failed", slog.Any("error", err))
		return writeAuthError(c, fiber.StatusInternalServerError, "the credentials were changed, but issuing a token failed; log in again")
	}
	h.logger.Info("admin credentials changed", slog.String("old_user", rotation.OldUser), slog.String("new_user", rotation.NewUser),
		slog.String("path", rotation.Path), slog.Int("revoked", revoked), slog.String("client_addr", addr))
	h.bus.Publish(&event.AdminCredentialsChanged{OldUser: rotation.OldUser, NewUser: rotation.NewUser, ClientAddr: addr})
	return writeToken(c, token, fresh)
}

func (h *AuthHandlers) rejectRotation(c *fiber.Ctx, attempt *auth.Attempt, id *auth.Identity, addr string, err error) error {
	switch {
	case errors.Is(err, auth.ErrWrongPassword):
		attempt.Fail()
		h.logger.Warn("credential change rejected: wrong current password", slog.String("user", id.User), slog.String("client_addr", addr))
		return writeAuthError(c, fiber.StatusForbidden, "current_password is incorrect")
	case errors.Is(err, auth.ErrInvalidNewCredentials):
		attempt.Abandon()
		return writeAuthError(c, fiber.StatusBadRequest, err.Error())
	case errors.Is(err, auth.ErrKeyFileReadOnly):
		attempt.Succeed()
		h.logger.Warn("credential change rejected", slog.Any("error", err), slog.String("client_addr", addr))
		return writeAuthError(c, fiber.StatusConflict, err.Error())
	default:
		// Rotate checks the password before anything else can fail.
		attempt.Succeed()
		h.logger.Error("credential change failed", slog.Any("error", err), slog.String("client_addr", addr))
		return writeAuthError(c, fiber.StatusInternalServerError, "writing the new keyfile failed, so the credentials are unchanged; see the server log")
	}
}

// requestError is invalid client input with its status and public message.
type requestError struct {
	status  int
	message string
}

func (e *requestError) Error() string { return e.message }

func badRequest(format string, args ...any) error {
	return &requestError{status: fiber.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// authBody is a decoded JSON object whose fields are read one by one, so
// each error names its field.
type authBody map[string]json.RawMessage

// decodeAuthBody decodes the request body as a JSON object. It reads the
// raw body because fiber's Ctx.Body inflates a compressed body first, which
// would let a small request take a lot of memory.
func decodeAuthBody(c *fiber.Ctx) (authBody, error) {
	raw := c.Request().Body()
	if len(raw) > maxAuthBodyBytes {
		return nil, &requestError{status: fiber.StatusRequestEntityTooLarge,
			message: fmt.Sprintf("request body is %d bytes; the maximum is %d", len(raw), maxAuthBodyBytes)}
	}
	var body authBody
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return nil, badRequest("request body must be a JSON object")
	}
	return body, nil
}

// requiredString returns the non-empty string field name.
func (b authBody) requiredString(name string) (string, error) {
	value, present, err := b.optionalString(name)
	switch {
	case err != nil:
		return "", err
	case !present:
		return "", badRequest("%s is required", name)
	case value == "":
		return "", badRequest("%s must not be empty", name)
	}
	return value, nil
}

// optionalString returns the string field name and whether it is present.
// A JSON null counts as absent.
func (b authBody) optionalString(name string) (string, bool, error) {
	raw, ok := b[name]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	var value string
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", false, badRequest("%s must be a string", name)
	}
	return value, true, nil
}

func writeRequestError(c *fiber.Ctx, err error) error {
	var reqErr *requestError
	if errors.As(err, &reqErr) {
		return writeAuthError(c, reqErr.status, reqErr.message)
	}
	return writeAuthError(c, fiber.StatusBadRequest, err.Error())
}

// writeAuthError sends {"error": message} with status.
func writeAuthError(c *fiber.Ctx, status int, message string) error {
	return c.Status(status).JSON(fiber.Map{"error": message})
}

func writeToken(c *fiber.Ctx, token auth.Secret, id *auth.Identity) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(tokenResponse{Token: token.Reveal(), ExpiresAt: formatTime(id.ExpiresAt)})
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// truncateUser shortens a presented user name for logs and events, at a
// UTF-8 boundary.
func truncateUser(user string) string {
	if len(user) <= maxLoggedUserBytes {
		return user
	}
	cut := maxLoggedUserBytes
	for cut > 0 && !utf8.RuneStart(user[cut]) {
		cut--
	}
	return user[:cut]
}
