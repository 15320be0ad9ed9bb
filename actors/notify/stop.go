package notify

import (
	"log/slog"
	"time"
)

// restartWait bounds how long a restarting hub waits for its goroutines.
const restartWait = time.Second

// stop runs in the Stopping handler. It delivers the queued notifications
// within cfg.ShutdownTimeout and gives up past it. Receive is blocked
// meanwhile, which is why the workers count their own results here
// instead of reporting them as messages.
func (h *hub) stop() {
	start := time.Now()
	budget := h.cfg.ShutdownTimeout
	h.stopping.Store(true)
	h.deps.Bus.Unsubscribe(h.sub)
	h.cancelRecv()

	for id := range h.pending {
		h.flush(id)
	}

	pending := 0
	for _, c := range h.channels {
		rest := c.queue
		c.queue = nil
		if c.busy {
			pending++
		}
		pending += len(rest)
		// final has room for one slice and nothing else sends on it.
		c.worker.final <- rest
		c.logDrops()
	}
	if pending > 0 {
		h.log.Info("delivering pending notifications before stopping",
			slog.Int("pending", pending), slog.Duration("budget", budget))
	}

	// The drain gets most of the budget. The rest leaves time for the
	// cancelled sends and the other goroutines to return.
	grace := min(budget/5, time.Second)
	drainTimer := time.NewTimer(budget - grace)
	defer drainTimer.Stop()
	drained := waitAll(drainTimer.C, h.workerDone()...)
	if !drained {
		h.log.Warn("stop budget nearly spent, cancelling notification delivery",
			slog.Duration("budget", budget), slog.Duration("elapsed", time.Since(start)))
	}
	h.cancelSend()

	finalTimer := time.NewTimer(max(time.Until(start.Add(budget)), 0))
	defer finalTimer.Stop()
	waitAll(finalTimer.C, h.allDone()...)

	h.closeChannels()
	h.reportStop(start)
}

// reportStop logs the outcome of the drain and names goroutines that did
// not return within the budget.
func (h *hub) reportStop(start time.Time) {
	delivered, undelivered := 0, 0
	var stuck []string
	for _, c := range h.channels {
		if !closed(c.worker.done) {
			stuck = append(stuck, c.channel.Name()+" sender")
			continue
		}
		w := c.worker
		delivered += w.delivered - c.sent
		undelivered += w.failed - c.failed + w.abandoned
	}
	for _, c := range h.channels {
		if !closed(c.runnerDone) {
			stuck = append(stuck, c.channel.Name()+" receiver")
		}
	}
	if !closed(h.commander.done) {
		stuck = append(stuck, "commands")
	}

	attrs := []any{
		slog.Int("delivered", delivered),
		slog.Int("undelivered", undelivered),
		slog.Duration("elapsed", time.Since(start)),
	}
	switch {
	case len(stuck) > 0:
		attrs = append(attrs, slog.Any("stuck", stuck), slog.Duration("budget", h.cfg.ShutdownTimeout))
		h.log.Warn("notification hub stopped; some goroutines did not return within the stop budget", attrs...)
	case undelivered > 0:
		h.log.Warn("notification hub stopped with undelivered notifications", attrs...)
	default:
		h.log.Info("notification hub stopped", attrs...)
	}
}

// teardown runs in the Restarting handler: it cancels everything without
// draining, so the new instance starts from a clean slate.
//
// NOTE: no test covers this path, because nothing in the hub panics on
// purpose.
func (h *hub) teardown() {
	h.stopping.Store(true)
	h.deps.Bus.Unsubscribe(h.sub)
	for _, n := range h.pending {
		if n.cancelTimer != nil {
			n.cancelTimer()
		}
	}
	h.cancelRecv()
	h.cancelSend()

	lost := len(h.pending)
	for _, c := range h.channels {
		lost += len(c.queue)
	}
	timer := time.NewTimer(restartWait)
	defer timer.Stop()
	waitAll(timer.C, h.allDone()...)
	h.log.Warn("notification hub restarting; queued notifications dropped", slog.Int("dropped", lost))
}

func (h *hub) workerDone() []<-chan struct{} {
	done := make([]<-chan struct{}, 0, len(h.channels))
	for _, c := range h.channels {
		done = append(done, c.worker.done)
	}
	return done
}

func (h *hub) allDone() []<-chan struct{} {
	done := h.workerDone()
	for _, c := range h.channels {
		done = append(done, c.runnerDone)
	}
	return append(done, h.commander.done)
}

// waitAll waits until every channel in done is closed and reports true, or
// returns false when deadline fires first.
func waitAll(deadline <-chan time.Time, done ...<-chan struct{}) bool {
	for _, d := range done {
		select {
		case <-d:
		case <-deadline:
			return false
		}
	}
	return true
}

func closed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
