package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/opendray/opendray/store"
)

// defaultAuditLimit is the page size of GET /api/v1/audit without ?limit=.
const defaultAuditLimit = 50

// auditQueryTimeout bounds the database query of one page.
const auditQueryTimeout = 5 * time.Second

// AuditReader reads persisted audit events. *store.DB implements it.
type AuditReader interface {
	ListAuditEvents(ctx context.Context, limit int, before int64) ([]store.AuditEvent, bool, error)
}

// AuditHandlers serves GET /api/v1/audit.
type AuditHandlers struct {
	reader AuditReader
	logger *slog.Logger
}

// NewAuditHandlers returns the audit handlers reading from reader.
func NewAuditHandlers(reader AuditReader, logger *slog.Logger) *AuditHandlers {
	return &AuditHandlers{reader: reader, logger: logger}
}

type auditEventJSON struct {
	ID         int64           `json:"id"`
	Time       string          `json:"time"`
	Event      string          `json:"event"`
	Actor      string          `json:"actor"`
	ClientAddr string          `json:"client_addr"`
	SessionID  *string         `json:"session_id"`
	Details    json.RawMessage `json:"details"`
}

type auditPageJSON struct {
	Events     []auditEventJSON `json:"events"`
	NextBefore *int64           `json:"next_before"`
}

// List serves GET /api/v1/audit?limit=N&before=ID: up to limit events
// (default 50, maximum 500) with an ID below before, newest first, as
// {events, next_before}. next_before is the before value of the next page,
// or null on the last page.
func (h *AuditHandlers) List(c *fiber.Ctx) error {
	limit := defaultAuditLimit
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > store.MaxAuditPage {
			return writeAuthError(c, fiber.StatusBadRequest,
				"limit must be an integer from 1 to "+strconv.Itoa(store.MaxAuditPage)+", got "+strconv.Quote(raw))
		}
		limit = n
	}
	var before int64
	if raw := c.Query("before"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			return writeAuthError(c, fiber.StatusBadRequest, "before must be a positive event id, got "+strconv.Quote(raw))
		}
		before = id
	}

	ctx, cancel := context.WithTimeout(c.UserContext(), auditQueryTimeout)
	defer cancel()
	events, more, err := h.reader.ListAuditEvents(ctx, limit, before)
	if err != nil {
		h.logger.Error("listing audit events failed", slog.Any("error", err))
		return writeAuthError(c, fiber.StatusServiceUnavailable, "the database is unavailable")
	}

	page := auditPageJSON{Events: make([]auditEventJSON, 0, len(events))}
	for _, e := range events {
		page.Events = append(page.Events, auditEventJSON{
			ID:         e.ID,
			Time:       e.Time.UTC().Format(time.RFC3339Nano),
			Event:      e.Event,
			Actor:      e.Actor,
			ClientAddr: e.ClientAddr,
			SessionID:  e.SessionID,
			Details:    e.Details,
		})
	}
	if more {
		next := events[len(events)-1].ID
		page.NextBefore = &next
	}
	return c.JSON(page)
}
