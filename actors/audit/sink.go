package audit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/store"
)

// StopBudget is the time the root supervisor gives the sink to stop. The
// final flush ends stopMargin earlier so the actor itself returns in time.
const (
	StopBudget = 5 * time.Second
	stopMargin = 500 * time.Millisecond
)

// DefaultPrefixes are the event name prefixes the sink persists.
var DefaultPrefixes = []string{"admin.", "session.", "notify."}

// Writer stores a batch of audit rows. *store.DB implements it.
type Writer interface {
	InsertAuditEvents(ctx context.Context, events []store.AuditEvent) error
}

// Options configures the sink. Zero values take the defaults in brackets.
type Options struct {
	Bus    *event.Bus // required
	Writer Writer     // required
	Logger *slog.Logger

	// Prefixes selects the events to persist by name prefix [DefaultPrefixes].
	Prefixes []string
	// BatchSize is the number of queued events that triggers a write
	// before the next tick, and the maximum rows per insert [100].
	BatchSize int
	// FlushInterval is the time between two writes of whatever is queued [1s].
	FlushInterval time.Duration
	// MaxPending is the maximum number of queued events. Past it the oldest
	// are dropped, and a warning gives their count [10000].
	MaxPending int
	// WriteTimeout bounds one insert outside of shutdown [2s].
	WriteTimeout time.Duration
	// RetryMin and RetryMax bound the delay after a failed write, which
	// doubles on each failure in a row [1s, 30s].
	RetryMin, RetryMax time.Duration
	// StopBudget is the time allowed for the final flush plus stopMargin
	// [StopBudget]. Tests shorten it.
	StopBudget time.Duration
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Prefixes == nil {
		o.Prefixes = DefaultPrefixes
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 10000
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 2 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(30*time.Second, o.RetryMin)
	}
	if o.StopBudget <= stopMargin {
		o.StopBudget = StopBudget
	}
}

// Props returns the props of the audit sink. The queue is created here, not
// in the actor, so a restart keeps the events not yet written.
func Props(opts Options) *actor.Props {
	opts.setDefaults()
	shared := &sharedState{queue: newPendingQueue(opts.MaxPending)}
	return actor.PropsFromProducer(func() actor.Actor {
		return &sink{opts: opts, shared: shared, logger: opts.Logger.With(slog.String("actor", "audit"))}
	})
}

// sharedState outlives restarts of the actor.
type sharedState struct {
	queue *pendingQueue
	// signalled is true while a flushNow message is in the mailbox, so a
	// burst of events sends one message, not one per event.
	signalled atomic.Bool
}

type flushTick struct{}
type flushNow struct{}

// Flush is a request to write everything queued now, ignoring any backoff.
// The sink responds with a *FlushResult. Tests use it to wait until the
// sink has started and written what was published before.
type Flush struct{}

// FlushResult is the response to Flush. Err is the write error, if any, and
// Pending the number of events still queued.
type FlushResult struct {
	Pending int
	Err     error
}

// sink is the audit sink actor.
//
// Started subscribes to the bus and starts a tick every FlushInterval. The
// bus handler only appends to the shared queue and, once BatchSize events
// wait, sends flushNow. Each tick or flushNow writes the queue in batches
// until it is empty or a write fails. After a failure the queue is kept
// and writing pauses with exponential backoff. A batch that the database
// rejects for its content is retried row by row, and only the rejected
// rows are dropped.
//
// Stopping (from Stop or Poison) unsubscribes and writes everything queued,
// retrying until StopBudget minus stopMargin has passed, then logs how many
// events were lost. Events are queued as they are published and not
// through the mailbox, so neither Stop nor Poison loses them.
//
// A restart (after a panic) keeps the queue, because it lives in Props.
// NOTE: events published between Restarting and the next Started are not
// queued, because the sink is unsubscribed for that moment.
type sink struct {
	opts   Options
	shared *sharedState
	logger *slog.Logger

	subscription *event.Subscription
	cancelTick   scheduler.CancelFunc
	backoff      time.Duration
	retryAt      time.Time
}

// Receive handles lifecycle messages and flush triggers.
func (s *sink) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		s.start(ctx)
	case flushTick:
		s.flush(time.Now())
	case flushNow:
		s.shared.signalled.Store(false)
		s.flush(time.Now())
	case *Flush:
		s.retryAt = time.Time{}
		err := s.flush(time.Now())
		ctx.Respond(&FlushResult{Pending: s.shared.queue.len(), Err: err})
	case *actor.Restarting:
		s.detach()
	case *actor.Stopping:
		s.detach()
		s.drain()
	}
}

func (s *sink) start(ctx actor.Context) {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	s.subscription = s.opts.Bus.Subscribe(func(e event.Event) {
		if !s.selected(e) {
			return
		}
		n := s.shared.queue.push(e)
		if n >= s.opts.BatchSize && s.shared.signalled.CompareAndSwap(false, true) {
			root.Send(self, flushNow{})
		}
	})
	s.cancelTick = scheduler.NewTimerScheduler(ctx).SendRepeatedly(s.opts.FlushInterval, s.opts.FlushInterval, self, flushTick{})
	s.logger.Debug("audit sink started", slog.Int("pending", s.shared.queue.len()))
}

func (s *sink) selected(e event.Event) bool {
	name := e.Name()
	for _, prefix := range s.opts.Prefixes {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

func (s *sink) detach() {
	if s.subscription != nil {
		s.opts.Bus.Unsubscribe(s.subscription)
		s.subscription = nil
	}
	if s.cancelTick != nil {
		s.cancelTick()
		s.cancelTick = nil
	}
}

// flush writes queued events until the queue is empty or a write fails,
// unless a backoff is in effect, and returns the write error.
func (s *sink) flush(now time.Time) error {
	s.reportDropped()
	if now.Before(s.retryAt) {
		return nil
	}
	for s.shared.queue.len() > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.WriteTimeout)
		err := s.writeBatch(ctx)
		cancel()
		if err != nil {
			s.backoff = min(max(2*s.backoff, s.opts.RetryMin), s.opts.RetryMax)
			s.retryAt = now.Add(s.backoff)
			s.logger.Warn("writing audit events failed, retrying later",
				slog.Any("error", err), slog.Int("pending", s.shared.queue.len()), slog.Duration("retry_in", s.backoff))
			return err
		}
		s.backoff = 0
	}
	return nil
}

// drain writes everything queued within the stop budget.
func (s *sink) drain() {
	start := time.Now()
	deadline := start.Add(s.opts.StopBudget - stopMargin)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	backoff := 50 * time.Millisecond
	var lastErr error
	for s.shared.queue.len() > 0 && ctx.Err() == nil {
		if lastErr = s.writeBatch(ctx); lastErr == nil {
			continue
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, time.Second)
	}
	s.reportDropped()

	if lost := s.shared.queue.len(); lost > 0 {
		s.logger.Error("audit events lost at shutdown", slog.Int("lost", lost),
			slog.Any("error", lastErr), slog.Duration("budget", s.opts.StopBudget))
		return
	}
	s.logger.Debug("audit sink stopped", slog.Duration("elapsed", time.Since(start)))
}

// writeBatch writes the oldest BatchSize events and removes them from the
// queue. Events that cannot be encoded, and rows that the database rejects,
// are dropped with an error log so they cannot block the queue.
func (s *sink) writeBatch(ctx context.Context) error {
	batch := s.shared.queue.peek(s.opts.BatchSize)
	if len(batch) == 0 {
		return nil
	}
	rows := make([]store.AuditEvent, 0, len(batch))
	seqs := make([]uint64, 0, len(batch))
	for _, queued := range batch {
		row, err := rowFromEvent(queued.event)
		if err != nil {
			s.logger.Error("dropping an audit event that cannot be encoded", slog.String("event", queued.event.Name()), slog.Any("error", err))
			continue
		}
		rows = append(rows, row)
		seqs = append(seqs, queued.seq)
	}

	err := s.opts.Writer.InsertAuditEvents(ctx, rows)
	if errors.Is(err, store.ErrAuditRejected) {
		return s.writeEach(ctx, rows, seqs)
	}
	if err != nil {
		return err
	}
	s.shared.queue.removeThrough(batch[len(batch)-1].seq)
	return nil
}

// writeEach writes rows one at a time after their batch was rejected. It
// drops only the rows that are rejected again, and removes each row from
// the queue as soon as it is written, so a later retry cannot write it
// twice.
func (s *sink) writeEach(ctx context.Context, rows []store.AuditEvent, seqs []uint64) error {
	for i, row := range rows {
		err := s.opts.Writer.InsertAuditEvents(ctx, []store.AuditEvent{row})
		if errors.Is(err, store.ErrAuditRejected) {
			s.logger.Error("dropping an audit event that the database rejected", slog.String("event", row.Event), slog.Any("error", err))
		} else if err != nil {
			return err
		}
		s.shared.queue.removeThrough(seqs[i])
	}
	return nil
}

func (s *sink) reportDropped() {
	if dropped := s.shared.queue.takeDropped(); dropped > 0 {
		s.logger.Warn("audit queue full; dropped the oldest events",
			slog.Int("dropped", dropped), slog.Int("max_pending", s.opts.MaxPending))
	}
}
