package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// AuditEvent is one row of audit_events. Details is a JSON object. It never
// contains passwords or tokens, because no event carries them.
type AuditEvent struct {
	ID         int64
	Time       time.Time
	Event      string
	Actor      string
	ClientAddr string
	SessionID  *string
	Details    json.RawMessage
}

// ErrAuditRejected is wrapped by InsertAuditEvents when PostgreSQL rejects
// the data itself (SQLSTATE class 22 or 23), so retrying the same rows can
// never succeed.
var ErrAuditRejected = errors.New("audit events rejected by the database")

// MaxAuditPage is the maximum number of events ListAuditEvents returns.
const MaxAuditPage = 500

var auditColumns = []string{"time", "event", "actor", "client_addr", "session_id", "details"}

// InsertAuditEvents writes events in one COPY, all or none. Their ID fields
// are ignored.
func (db *DB) InsertAuditEvents(ctx context.Context, events []AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([][]any, len(events))
	for i, e := range events {
		details := e.Details
		if len(details) == 0 {
			details = json.RawMessage("{}")
		}
		rows[i] = []any{e.Time, e.Event, e.Actor, e.ClientAddr, e.SessionID, details}
	}
	_, err := db.pool.CopyFrom(ctx, pgx.Identifier{"audit_events"}, auditColumns, pgx.CopyFromRows(rows))
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")) {
			return fmt.Errorf("%w: inserting %d audit events: %w", ErrAuditRejected, len(events), err)
		}
		return fmt.Errorf("inserting %d audit events: %w", len(events), err)
	}
	return nil
}

// ListAuditEvents returns up to limit events, newest first. When before is
// positive only events with a smaller ID are returned, which pages back in
// time. more reports whether older events exist past the last one returned.
func (db *DB) ListAuditEvents(ctx context.Context, limit int, before int64) (events []AuditEvent, more bool, err error) {
	if limit < 1 || limit > MaxAuditPage {
		return nil, false, fmt.Errorf("audit page size %d: must be between 1 and %d", limit, MaxAuditPage)
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := db.pool.Query(ctx, `
		SELECT id, time, event, actor, client_addr, session_id, details
		FROM audit_events
		WHERE id < $1
		ORDER BY id DESC
		LIMIT $2`, before, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("listing audit events: %w", err)
	}
	events, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (AuditEvent, error) {
		var e AuditEvent
		err := row.Scan(&e.ID, &e.Time, &e.Event, &e.Actor, &e.ClientAddr, &e.SessionID, &e.Details)
		return e, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("listing audit events: %w", err)
	}
	if len(events) > limit {
		return events[:limit], true, nil
	}
	return events, false, nil
}
