package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Session states as stored in the sessions.state column.
const (
	SessionPending = "pending"
	SessionRunning = "running"
	SessionIdle    = "idle"
	SessionStopped = "stopped"
	SessionEnded   = "ended"
)

// ErrSessionNotFound is returned when no sessions row has the requested id.
var ErrSessionNotFound = errors.New("session not found")

// ErrSessionLive is returned by DeleteSession for a session that is still
// pending, running or idle.
var ErrSessionLive = errors.New("session has not finished")

// Session is one row of the sessions table. PID, ExitCode, StartedAt and
// EndedAt are nil until the process starts or ends.
type Session struct {
	ID        string
	Name      string
	Provider  string
	Command   string
	Args      []string
	Cwd       string
	Cols      int
	Rows      int
	State     string
	PID       *int
	ExitCode  *int
	CreatedAt time.Time
	StartedAt *time.Time
	EndedAt   *time.Time
	UpdatedAt time.Time
}

const sessionColumns = `id, name, provider, command, args, cwd, cols, rows, state,
	pid, exit_code, created_at, started_at, ended_at, updated_at`

// InsertSession adds s as a new row. CreatedAt and UpdatedAt are set by the
// server and written back into s.
func (db *DB) InsertSession(ctx context.Context, s *Session) error {
	args, err := json.Marshal(nonNilArgs(s.Args))
	if err != nil {
		return fmt.Errorf("encoding args of session %s: %w", s.ID, err)
	}
	err = db.pool.QueryRow(ctx, `INSERT INTO sessions
		(id, name, provider, command, args, cwd, cols, rows, state, pid, exit_code, started_at, ended_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING created_at, updated_at`,
		s.ID, s.Name, s.Provider, s.Command, args, s.Cwd, s.Cols, s.Rows, s.State,
		s.PID, s.ExitCode, s.StartedAt, s.EndedAt,
	).Scan(&s.CreatedAt, &s.UpdatedAt)
	if err != nil {
		return fmt.Errorf("inserting session %s: %w", s.ID, err)
	}
	return nil
}

// UpdateSession writes the mutable columns of s (name, size, state, pid,
// exit code, start and end times) and stamps updated_at.
func (db *DB) UpdateSession(ctx context.Context, s *Session) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET
		name = $2, cols = $3, rows = $4, state = $5, pid = $6, exit_code = $7,
		started_at = $8, ended_at = $9, updated_at = now()
		WHERE id = $1`,
		s.ID, s.Name, s.Cols, s.Rows, s.State, s.PID, s.ExitCode, s.StartedAt, s.EndedAt)
	if err != nil {
		return fmt.Errorf("updating session %s: %w", s.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("updating session %s: %w", s.ID, ErrSessionNotFound)
	}
	return nil
}

// GetSession returns the row with the given id, or ErrSessionNotFound.
func (db *DB) GetSession(ctx context.Context, id string) (*Session, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = $1", id)
	if err != nil {
		return nil, fmt.Errorf("reading session %s: %w", id, err)
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSession)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading session %s: %w", id, err)
	}
	return s, nil
}

// ListSessions returns every session, newest first.
func (db *DB) ListSessions(ctx context.Context) ([]*Session, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+sessionColumns+" FROM sessions ORDER BY created_at DESC, id")
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	sessions, err := pgx.CollectRows(rows, scanSession)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	return sessions, nil
}

// DeleteSession removes a stopped or ended session. It returns
// ErrSessionNotFound for an unknown id and ErrSessionLive for a session
// that is still pending, running or idle.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, "DELETE FROM sessions WHERE id = $1 AND state IN ('stopped', 'ended')", id)
	if err != nil {
		return fmt.Errorf("deleting session %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := db.GetSession(ctx, id); err != nil {
		return err
	}
	return ErrSessionLive
}

// EndOrphanedSessions marks every pending, running or idle session as
// ended and returns the rows it changed. The registry calls it at start:
// a live row then belongs to a gateway process that died, and its PTY
// process died with it.
func (db *DB) EndOrphanedSessions(ctx context.Context) ([]*Session, error) {
	rows, err := db.pool.Query(ctx, `UPDATE sessions
		SET state = 'ended', ended_at = coalesce(ended_at, now()), updated_at = now()
		WHERE state IN ('pending', 'running', 'idle')
		RETURNING `+sessionColumns)
	if err != nil {
		return nil, fmt.Errorf("ending orphaned sessions: %w", err)
	}
	sessions, err := pgx.CollectRows(rows, scanSession)
	if err != nil {
		return nil, fmt.Errorf("ending orphaned sessions: %w", err)
	}
	return sessions, nil
}

func scanSession(row pgx.CollectableRow) (*Session, error) {
	var s Session
	var args []byte
	err := row.Scan(&s.ID, &s.Name, &s.Provider, &s.Command, &args, &s.Cwd, &s.Cols, &s.Rows, &s.State,
		&s.PID, &s.ExitCode, &s.CreatedAt, &s.StartedAt, &s.EndedAt, &s.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(args, &s.Args); err != nil {
		return nil, fmt.Errorf("decoding args of session %s: %w", s.ID, err)
	}
	s.Args = nonNilArgs(s.Args)
	return &s, nil
}

func nonNilArgs(args []string) []string {
	if args == nil {
		return []string{}
	}
	return args
}
