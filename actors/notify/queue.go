package notify

import (
	"context"
	"log/slog"
	"slices"
)

// channelStatus is the stage of a channel's life inside the hub.
type channelStatus int

const (
	// statusOpening: Open has not succeeded yet. Notifications queue up.
	statusOpening channelStatus = iota
	// statusOpen: notifications are delivered.
	statusOpen
	// statusDisabled: the credentials were rejected. Notifications are
	// not queued.
	statusDisabled
)

// channelState is the hub's bookkeeping for one channel. Only the hub's
// Receive touches it, except worker and runnerDone, which belong to the
// goroutines.
type channelState struct {
	index   int
	channel Channel
	filter  Filter
	log     *slog.Logger
	status  channelStatus

	// queue contains the notifications waiting for the worker, oldest first.
	queue     []*note
	queueSize int
	// busy is true while the worker has a job.
	busy   bool
	worker *worker
	// sent and failed count the worker results the hub has processed.
	sent, failed int

	replies *replyMemory

	// unlogged counts drops not yet reported in the log. burstLogged is
	// true once the first drop of the current burst has been logged.
	unlogged     int
	droppedTotal int
	burstLogged  bool

	runnerDone chan struct{}
}

func newChannelState(index int, ch Channel, cfg Config, parent *slog.Logger) *channelState {
	return &channelState{
		index:      index,
		channel:    ch,
		filter:     ch.Filter(),
		log:        parent.With(slog.String("channel", ch.Name())),
		queueSize:  cfg.QueueSize,
		replies:    newReplyMemory(cfg.ReplyMemory),
		runnerDone: make(chan struct{}),
	}
}

// enqueue appends n to the queue, dropping the oldest entry when the queue
// is full, and returns the number of entries dropped (0 or 1). The first
// drop of a burst is logged at once and the rest are summed up when the
// queue next moves, so a flood produces two log lines, not one per drop.
func (c *channelState) enqueue(n *note) int {
	dropped := 0
	if len(c.queue) >= c.queueSize {
		oldest := c.queue[0]
		c.queue = slices.Delete(c.queue, 0, 1)
		dropped = 1
		c.droppedTotal++
		c.unlogged++
		if !c.burstLogged {
			c.logDrops(slog.String("session_id", oldest.info.SessionID))
			c.burstLogged = true
		}
	}
	c.queue = append(c.queue, n)
	return dropped
}

// logDrops logs the drops not reported yet.
func (c *channelState) logDrops(attrs ...slog.Attr) {
	if c.unlogged == 0 {
		return
	}
	attrs = append(attrs,
		slog.Int("dropped", c.unlogged),
		slog.Int("dropped_total", c.droppedTotal),
		slog.Int("queue_size", c.queueSize))
	c.log.LogAttrs(context.Background(), slog.LevelWarn, "notification queue full, dropped the oldest", attrs...)
	c.unlogged = 0
}

// dispatch gives the next queued notification to the worker when the
// channel is open and the worker is free. Sending on jobs never blocks:
// it has room for one job and busy guarantees it is empty.
func (c *channelState) dispatch() {
	if c.busy || c.status != statusOpen || len(c.queue) == 0 {
		return
	}
	n := c.queue[0]
	c.queue = slices.Delete(c.queue, 0, 1)
	c.busy = true
	c.worker.jobs <- n

	c.logDrops()
	c.burstLogged = false
}

// replyMemory maps the references of sent messages to the sessions they
// were about. Past its limit it evicts the oldest entry.
type replyMemory struct {
	limit    int
	order    []string
	sessions map[string]string
}

func newReplyMemory(limit int) *replyMemory {
	return &replyMemory{limit: limit, sessions: make(map[string]string)}
}

func (m *replyMemory) remember(ref, sessionID string) {
	if ref == "" || sessionID == "" {
		return
	}
	if _, ok := m.sessions[ref]; !ok {
		m.order = append(m.order, ref)
	}
	m.sessions[ref] = sessionID
	for len(m.order) > m.limit {
		delete(m.sessions, m.order[0])
		m.order = slices.Delete(m.order, 0, 1)
	}
}

func (m *replyMemory) lookup(ref string) (string, bool) {
	id, ok := m.sessions[ref]
	return id, ok
}
