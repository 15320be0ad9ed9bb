package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// worker delivers one channel's notifications on its own goroutine, one at
// a time, so a slow or rate-limited channel delays only itself. The hub
// owns it and hands it at most one job at a time through jobs. The worker
// reports each result through tell. At shutdown the hub passes the rest of
// the queue through final and waits for done.
type worker struct {
	channel  Channel
	index    int
	cfg      Config
	sessions Sessions
	log      *slog.Logger
	// replyHint is true when the channel accepts replies.
	replyHint bool
	tell      func(any)

	jobs  chan *note   // capacity 1: the hub sends only when the worker is free
	final chan []*note // capacity 1: the queue left at shutdown
	done  chan struct{}

	// Counters written only by the worker goroutine. The hub reads them
	// after done is closed.
	delivered, failed, abandoned int
}

func newWorker(index int, channel Channel, cfg Config, sessions Sessions, log *slog.Logger, tell func(any)) *worker {
	_, receives := channel.(Receiver)
	return &worker{
		channel:   channel,
		index:     index,
		cfg:       cfg,
		sessions:  sessions,
		log:       log,
		replyHint: receives,
		tell:      tell,
		jobs:      make(chan *note, 1),
		final:     make(chan []*note, 1),
		done:      make(chan struct{}),
	}
}

// run delivers jobs until the hub sends the final queue (which it delivers
// before returning) or ctx is cancelled.
func (w *worker) run(ctx context.Context) {
	defer close(w.done)

	for {
		select {
		case n := <-w.jobs:
			w.deliver(ctx, n)

		case rest := <-w.final:
			// A job handed over just before shutdown goes first.
			select {
			case n := <-w.jobs:
				rest = append([]*note{n}, rest...)
			default:
			}
			for i, n := range rest {
				if ctx.Err() != nil {
					w.abandoned += len(rest) - i
					return
				}
				w.deliver(ctx, n)
			}
			return

		case <-ctx.Done():
			w.abandonPending()
			return
		}
	}
}

// abandonPending counts the jobs the worker will never run because ctx was
// cancelled.
func (w *worker) abandonPending() {
	select {
	case <-w.jobs:
		w.abandoned++
	default:
	}
	select {
	case rest := <-w.final:
		w.abandoned += len(rest)
	default:
	}
}

// deliver renders n, sends it with retries and reports the result.
func (w *worker) deliver(ctx context.Context, n *note) {
	log := w.log.With(slog.String("session_id", n.info.SessionID))

	var screen []string
	if n.wantsScreen() && w.cfg.ScreenLines > 0 {
		screen = w.screen(ctx, n.info.SessionID, log)
	}
	ref, err := send(ctx, w.channel, n.message(screen, w.replyHint), w.cfg, log)

	switch {
	case err == nil:
		w.delivered++
	case ctx.Err() != nil:
		w.abandoned++
	case errors.Is(err, ErrUnauthorized):
		// The hub disables the channel and logs the error once.
		w.failed++
	default:
		w.failed++
		log.Error("notification not delivered", slog.Any("error", err))
	}
	w.tell(&deliveryDone{channel: w.index, sessionID: n.info.SessionID, ref: ref, err: err})
}

// screen returns the session's last screen lines, or nil when the snapshot
// fails (for example because the session has already gone).
func (w *worker) screen(ctx context.Context, id string, log *slog.Logger) []string {
	callCtx, cancel := context.WithTimeout(ctx, w.cfg.CallTimeout)
	defer cancel()

	lines, err := w.sessions.Snapshot(callCtx, id)
	if err != nil {
		log.Debug("screen snapshot unavailable", slog.Any("error", err))
		return nil
	}
	return screenTail(lines, w.cfg.ScreenLines)
}

// send makes up to cfg.MaxAttempts attempts to send m. It waits
// cfg.backoff between attempts, or the service's retry-after value on a
// rate limit, and stops early on a permanent error or when ctx is done.
func send(ctx context.Context, ch Channel, m Message, cfg Config, log *slog.Logger) (string, error) {
	for attempt := 1; ; attempt++ {
		ref, err := ch.Send(ctx, m)
		if err == nil {
			return ref, nil
		}
		if ctx.Err() != nil || IsPermanent(err) {
			return "", err
		}
		if attempt >= cfg.MaxAttempts {
			return "", fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}

		wait := cfg.backoff(attempt)
		var limited *RetryAfterError
		if errors.As(err, &limited) {
			wait = limited.Delay
			log.Warn("send rate-limited, retrying",
				slog.Int("attempt", attempt), slog.Duration("retry_after", wait), slog.Any("error", err))
		} else {
			log.Warn("send failed, retrying",
				slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
		}
		if !sleep(ctx, wait) {
			return "", err
		}
	}
}

// sleep waits for d and reports whether it did, or returns false as soon as
// ctx is done.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
