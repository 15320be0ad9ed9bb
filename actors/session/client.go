package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/store"
)

// Client is the typed front of the sessions registry for the gateway. Each
// method sends one request with a deadline (Config.RequestTimeout, or the
// context's deadline if sooner) and turns a timeout into ErrUnavailable.
// Records of sessions whose actor no longer runs (they finished in an
// earlier gateway process) are read from the store directly.
// A Client is safe for concurrent use.
type Client struct {
	root     *actor.RootContext
	registry *actor.PID
	cfg      Config
	deps     *Deps
	catalog  catalog
	viewers  atomic.Uint64
}

// NewClient returns a Client for the registry spawned from
// NewRegistryProps with the same cfg and deps.
func NewClient(system *actor.ActorSystem, registry *actor.PID, cfg Config, deps Deps) *Client {
	resolved := deps.withDefaults()
	return &Client{
		root:     system.Root,
		registry: registry,
		cfg:      cfg,
		deps:     resolved,
		catalog:  newCatalog(resolved.LookPath),
	}
}

// Providers returns the provider catalog with what is installed on this
// host.
func (c *Client) Providers() []Provider { return c.catalog.list() }

func (c *Client) request(ctx context.Context, msg any, timeout time.Duration) (any, error) {
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("%w: the request deadline has passed", ErrUnavailable)
	}
	reply, err := c.root.RequestFuture(c.registry, msg, timeout).Result()
	if errors.Is(err, actor.ErrTimeout) {
		return nil, fmt.Errorf("%w: no reply within %v", ErrUnavailable, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if e, isError := reply.(*errorReply); isError {
		return nil, e.err
	}
	return reply, nil
}

func unexpected(reply any) error {
	return fmt.Errorf("unexpected reply %T from the sessions registry", reply)
}

func notFound(id string) error {
	return newPublicError(ErrNotFound, fmt.Sprintf("session %q not found; list sessions to see the valid ids", id))
}

// record reads a session from the store, mapping a missing row to
// ErrNotFound.
func (c *Client) record(ctx context.Context, id string) (*store.Session, error) {
	rec, err := c.deps.DB.GetSession(ctx, id)
	if errors.Is(err, store.ErrSessionNotFound) {
		return nil, notFound(id)
	}
	return rec, err
}

// Create validates req, starts the session and returns it once its
// process runs. Validation errors wrap ErrInvalid.
func (c *Client) Create(ctx context.Context, req CreateRequest) (*Info, error) {
	spec, err := c.catalog.resolve(&req)
	if err != nil {
		return nil, err
	}
	reply, err := c.request(ctx, &createRequest{spec: spec}, c.cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	info, isInfo := reply.(*Info)
	if !isInfo {
		return nil, unexpected(reply)
	}
	return info, nil
}

// List returns every session, newest first.
func (c *Client) List(ctx context.Context) ([]Info, error) {
	records, err := c.deps.DB.ListSessions(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]Info, 0, len(records))
	for _, rec := range records {
		info := infoFromRecord(rec)
		if info.State == StateIdle {
			// The record is written when the session turns idle, so its
			// update time is the start of the idleness.
			// NOTE: a resize while idle also writes the record and moves
			// this time forward.
			idleSince := rec.UpdatedAt
			info.IdleSince = &idleSince
		}
		list = append(list, info)
	}
	return list, nil
}

// Get returns a session with its live details.
func (c *Client) Get(ctx context.Context, id string) (*Details, error) {
	reply, err := c.request(ctx, &getRequest{id: id}, c.cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	switch reply := reply.(type) {
	case *Details:
		return reply, nil
	case *notLive:
		rec, err := c.record(ctx, id)
		if err != nil {
			return nil, err
		}
		return &Details{Info: infoFromRecord(rec)}, nil
	}
	return nil, unexpected(reply)
}

// Stop ends a running session: SIGTERM, then SIGKILL after the stop grace.
// It returns the session once its process has exited, in state stopped.
func (c *Client) Stop(ctx context.Context, id string) (*Info, error) {
	reply, err := c.request(ctx, &stopRequest{id: id}, c.cfg.RequestTimeout+c.cfg.StopGrace+killWait)
	if err != nil {
		return nil, err
	}
	switch reply := reply.(type) {
	case *Info:
		return reply, nil
	case *notLive:
		rec, err := c.record(ctx, id)
		if err != nil {
			return nil, err
		}
		return nil, newPublicError(ErrWrongState, fmt.Sprintf("session %s has already %s; there is nothing to stop", id, rec.State))
	}
	return nil, unexpected(reply)
}

// Delete removes a finished session and its record; a live session gives
// ErrWrongState.
func (c *Client) Delete(ctx context.Context, id string) error {
	reply, err := c.request(ctx, &deleteRequest{id: id}, c.cfg.RequestTimeout)
	if err != nil {
		return err
	}
	switch reply.(type) {
	case *Info:
		return nil
	case *notLive:
		rec, err := c.record(ctx, id)
		if err != nil {
			return err
		}
		err = c.deps.DB.DeleteSession(ctx, id)
		if errors.Is(err, store.ErrSessionLive) {
			return newPublicError(ErrWrongState, fmt.Sprintf("session %s is %s; stop it before deleting it", id, rec.State))
		}
		if errors.Is(err, store.ErrSessionNotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		c.deps.Bus.Publish(&event.SessionDeleted{SessionInfo: event.SessionInfo{SessionID: id, Session: rec.Name, Provider: rec.Provider}})
		return nil
	}
	return unexpected(reply)
}

// finishedError returns the error for a request that needs a live session
// but found only the record of a finished one.
func (c *Client) finishedError(ctx context.Context, id, action string) error {
	rec, err := c.record(ctx, id)
	if err != nil {
		return err
	}
	return newPublicError(ErrWrongState, fmt.Sprintf("session %s has %s; %s", id, rec.State, action))
}

// Input writes data to the session's PTY.
func (c *Client) Input(ctx context.Context, id string, data []byte) error {
	reply, err := c.request(ctx, &inputRequest{id: id, data: data}, c.cfg.RequestTimeout)
	if err != nil {
		return err
	}
	switch reply.(type) {
	case *ok:
		return nil
	case *notLive:
		return c.finishedError(ctx, id, "input is accepted only while it runs")
	}
	return unexpected(reply)
}

// Resize sets the PTY size; cols and rows must be within 1 to 1000.
func (c *Client) Resize(ctx context.Context, id string, cols, rows int) (*Info, error) {
	if _, err := dimension("cols", &cols, 0); err != nil {
		return nil, err
	}
	if _, err := dimension("rows", &rows, 0); err != nil {
		return nil, err
	}
	reply, err := c.request(ctx, &resizeRequest{id: id, cols: cols, rows: rows}, c.cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	switch reply := reply.(type) {
	case *Info:
		return reply, nil
	case *notLive:
		return nil, c.finishedError(ctx, id, "it can no longer be resized")
	}
	return nil, unexpected(reply)
}

// Buffer returns a copy of the session's ring. A session of an earlier
// gateway process has an empty buffer.
func (c *Client) Buffer(ctx context.Context, id string) (*Buffer, error) {
	reply, err := c.request(ctx, &bufferRequest{id: id}, c.cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	switch reply := reply.(type) {
	case *Buffer:
		return reply, nil
	case *notLive:
		if _, err := c.record(ctx, id); err != nil {
			return nil, err
		}
		return &Buffer{}, nil
	}
	return nil, unexpected(reply)
}

// Snapshot returns the emulated screen, brought up to date with all
// output received so far. A session of an earlier gateway process has a
// blank screen of its recorded size.
func (c *Client) Snapshot(ctx context.Context, id string) (*Snapshot, error) {
	reply, err := c.request(ctx, &snapshotForward{id: id}, c.cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	switch reply := reply.(type) {
	case Snapshot:
		return &reply, nil
	case *notLive:
		rec, err := c.record(ctx, id)
		if err != nil {
			return nil, err
		}
		return &Snapshot{Cols: rec.Cols, Rows: rec.Rows, Lines: make([]string, rec.Rows)}, nil
	}
	return nil, unexpected(reply)
}

// Attach registers a stream viewer and returns it with the replay. For a
// finished session the Attachment has no Viewer. The caller must Close the
// viewer when the stream ends.
func (c *Client) Attach(ctx context.Context, id string, opts AttachOptions) (*Attachment, error) {
	viewer := newViewer(c.viewers.Add(1), c.root, c.cfg.ViewerWindow)
	reply, err := c.request(ctx, &attachRequest{id: id, opts: opts, viewer: viewer}, c.cfg.RequestTimeout)
	if err != nil {
		// The actor may still register the viewer after the timeout;
		// closing it first keeps it from doing so.
		viewer.Close()
		return nil, err
	}
	switch reply := reply.(type) {
	case *Attachment:
		return reply, nil
	case *notLive:
		rec, err := c.record(ctx, id)
		if err != nil {
			return nil, err
		}
		return &Attachment{State: State(rec.State), ExitCode: rec.ExitCode, Cols: rec.Cols, Rows: rec.Rows}, nil
	}
	return nil, unexpected(reply)
}

// StopAll stops every live session in parallel, each with SIGTERM and
// SIGKILL after the stop grace, and returns when all have exited or ctx
// ends. Call it at shutdown before stopping the registry.
func (c *Client) StopAll(ctx context.Context) error {
	reply, err := c.request(ctx, &liveRequest{}, c.cfg.RequestTimeout)
	if err != nil {
		return err
	}
	live, isLive := reply.(*liveSessions)
	if !isLive {
		return unexpected(reply)
	}

	var wg sync.WaitGroup
	errs := make([]error, len(live.ids))
	for i, id := range live.ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Stop(ctx, id)
			if errors.Is(err, ErrWrongState) || errors.Is(err, ErrNotFound) {
				err = nil // finished or deleted meanwhile
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Detach removes a viewer from its session; it is the same as v.Close.
func (c *Client) Detach(v *Viewer) { v.Close() }
