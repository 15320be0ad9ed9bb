package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/opendray/opendray/internal/event"
)

// Deps are the hub's collaborators.
type Deps struct {
	// Bus is the event bus the hub subscribes to and publishes
	// remote-control events on.
	Bus *event.Bus
	// Sessions reads screens and writes input for notifications and
	// commands.
	Sessions Sessions
	// Channels receive notifications. The hub owns them from Started on
	// and closes those that implement io.Closer when it stops.
	Channels []Channel
	// Logger is the parent logger; the hub adds actor=notify.
	Logger *slog.Logger
}

// NewProps validates cfg and deps and returns the props that spawn the hub.
func NewProps(cfg Config, deps Deps) (*actor.Props, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case deps.Bus == nil:
		return nil, errors.New("notify: missing event bus")
	case deps.Sessions == nil:
		return nil, errors.New("notify: missing sessions")
	}
	for i, ch := range deps.Channels {
		if ch == nil {
			return nil, fmt.Errorf("notify: channel %d is nil", i)
		}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	return actor.PropsFromProducer(func() actor.Actor { return newHub(cfg, deps) }), nil
}

// hub is the notification hub actor. It turns session events into
// notifications and queues them per channel, and it hands operator
// commands from channels to the commander.
//
// Lifecycle:
//   - Started subscribes to the bus and starts, per channel, a worker
//     goroutine (sends) and a runner goroutine (Open, then Receive), plus
//     one commander goroutine. All of them report back as messages.
//   - Stopping unsubscribes, stops receivers and commands, flushes held
//     notifications and lets the workers deliver what is queued. Past
//     ShutdownTimeout it cancels the sends, logs what was dropped and
//     returns, even if a goroutine is still stuck.
//   - Restarting (after a panic) tears everything down without draining.
//     The new instance starts empty: queued notifications, coalescing
//     state and the reply memory are lost.
//
// Stop the hub with Poison rather than Stop: Poison lets it handle the
// events already in its mailbox first, so they are delivered too.
type hub struct {
	cfg  Config
	deps Deps
	log  *slog.Logger

	root   *actor.RootContext
	self   *actor.PID
	timers *scheduler.TimerScheduler
	sub    *event.Subscription

	// stopping turns tell into a no-op once the hub starts to stop, since
	// messages sent to a stopping actor are never processed.
	stopping atomic.Bool

	// wanted contains the event names at least one channel wants.
	wanted map[string]bool
	// pending contains the notes in their coalescing window, by session id.
	pending map[string]*note
	gen     uint64

	channels  []*channelState
	commander *commander

	// sendCtx bounds deliveries: it is cancelled when the stop budget is
	// spent. recvCtx bounds receivers and commands: it is cancelled as
	// soon as stopping starts.
	sendCtx    context.Context
	cancelSend context.CancelFunc
	recvCtx    context.Context
	cancelRecv context.CancelFunc

	stats Stats
}

func newHub(cfg Config, deps Deps) *hub {
	return &hub{
		cfg:     cfg,
		deps:    deps,
		log:     deps.Logger.With(slog.String("actor", "notify")),
		pending: make(map[string]*note),
		wanted:  make(map[string]bool),
	}
}

// Receive handles lifecycle messages, bus events and reports from the
// hub's goroutines.
func (h *hub) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		h.start(ctx)
	case *actor.Stopping:
		h.stop()
	case *actor.Restarting:
		h.teardown()

	case *event.SessionCreated:
		h.hold(msg.SessionInfo, msg.Name(), func(n *note) { n.created = true })
	case *event.SessionIdle:
		h.hold(msg.SessionInfo, msg.Name(), func(n *note) { n.idle = msg; n.idles++ })
	case *event.SessionRunning:
		h.resumed(msg.SessionID)
	case *event.SessionEnded:
		h.hold(msg.SessionInfo, msg.Name(), func(n *note) { n.ended = msg })
	case *event.SessionStopped:
		h.hold(msg.SessionInfo, msg.Name(), func(n *note) { n.stopped = msg })
	case *flushDue:
		if n := h.pending[msg.sessionID]; n != nil && n.gen == msg.gen {
			h.flush(msg.sessionID)
		}

	case *deliveryDone:
		h.delivered(msg)
	case *channelOpened:
		h.opened(msg.channel)
	case *channelFailed:
		h.failed(msg)
	case *inboundMessage:
		h.inbound(msg.channel, msg.in)
	case *replySent:
		h.channels[msg.channel].replies.remember(msg.ref, msg.sessionID)

	case *GetStats:
		ctx.Respond(h.snapshotStats())
	}
}

// tell sends msg to the hub unless it is stopping. Goroutines and timers
// use it to report back.
func (h *hub) tell(msg any) {
	if h.stopping.Load() {
		return
	}
	h.root.Send(h.self, msg)
}

func (h *hub) start(ctx actor.Context) {
	h.root = ctx.ActorSystem().Root
	h.self = ctx.Self()
	h.timers = scheduler.NewTimerScheduler(h.root)
	h.sendCtx, h.cancelSend = context.WithCancel(context.Background())
	h.recvCtx, h.cancelRecv = context.WithCancel(context.Background())

	names := make([]string, 0, len(h.deps.Channels))
	for i, ch := range h.deps.Channels {
		c := newChannelState(i, ch, h.cfg, h.log)
		c.worker = newWorker(i, ch, h.cfg, h.deps.Sessions, c.log, h.tell)
		h.channels = append(h.channels, c)
		for _, name := range c.filter.Events {
			h.wanted[name] = true
		}
		names = append(names, ch.Name())

		go c.worker.run(h.sendCtx)
		go h.runChannel(h.recvCtx, c)
	}

	h.commander = newCommander(h.cfg, h.deps.Sessions, h.deps.Bus, h.log, h.tell)
	go h.commander.run(h.recvCtx)

	h.sub = h.deps.Bus.Subscribe(func(e event.Event) {
		switch e.(type) {
		case *event.SessionCreated, *event.SessionIdle, *event.SessionRunning,
			*event.SessionEnded, *event.SessionStopped:
			h.tell(e)
		}
	})
	h.log.Info("notification hub started", slog.Any("channels", names))
}

// runChannel opens the channel, retrying errors that are not permanent, and
// then runs its receiver if it has one. It reports the outcome to the hub.
func (h *hub) runChannel(ctx context.Context, c *channelState) {
	defer close(c.runnerDone)

	for attempt := 1; ; attempt++ {
		err := c.channel.Open(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		if IsPermanent(err) {
			h.tell(&channelFailed{channel: c.index, opening: true, err: err})
			return
		}
		wait := h.cfg.backoff(attempt)
		var limited *RetryAfterError
		if errors.As(err, &limited) {
			wait = limited.Delay
		}
		c.log.Warn("channel not reachable, retrying",
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
		if !sleep(ctx, wait) {
			return
		}
	}
	h.tell(&channelOpened{channel: c.index})

	receiver, ok := c.channel.(Receiver)
	if !ok {
		return
	}
	deliver := func(in Inbound) { h.tell(&inboundMessage{channel: c.index, in: in}) }
	err := receiver.Receive(ctx, deliver)
	if err != nil && ctx.Err() == nil {
		h.tell(&channelFailed{channel: c.index, err: err})
	}
}

// hold merges an event into the session's pending note. A note that
// includes the session's end is sent at once; others wait for the
// coalescing window, which starts with the note's first event.
func (h *hub) hold(info event.SessionInfo, name string, apply func(*note)) {
	if !h.wanted[name] {
		return
	}

	n := h.pending[info.SessionID]
	if n == nil {
		h.gen++
		n = &note{info: info, gen: h.gen}
		h.pending[info.SessionID] = n
	}
	apply(n)

	if n.finished() || h.cfg.CoalesceWindow == 0 {
		h.flush(info.SessionID)
		return
	}
	if n.cancelTimer == nil {
		n.cancelTimer = h.timers.SendOnce(h.cfg.CoalesceWindow, h.self, &flushDue{sessionID: info.SessionID, gen: n.gen})
	}
}

// resumed drops a pending idle notification: the session produced output
// again, so it no longer waits for the operator.
func (h *hub) resumed(sessionID string) {
	n := h.pending[sessionID]
	if n == nil || n.finished() || n.idle == nil {
		return
	}
	n.idle, n.idles = nil, 0
	if n.empty() {
		if n.cancelTimer != nil {
			n.cancelTimer()
		}
		delete(h.pending, sessionID)
	}
}

// flush ends the session's coalescing window and queues the note on every
// channel that wants it.
func (h *hub) flush(sessionID string) {
	n := h.pending[sessionID]
	delete(h.pending, sessionID)
	if n.cancelTimer != nil {
		n.cancelTimer()
	}

	for _, c := range h.channels {
		if c.status == statusDisabled {
			continue
		}
		if !n.acceptedBy(c.filter) {
			c.log.Debug("notification not wanted by channel",
				slog.String("session_id", sessionID), slog.Any("events", n.names()))
			continue
		}
		h.stats.Dropped += c.enqueue(n)
		c.dispatch()
	}
}

func (h *hub) delivered(msg *deliveryDone) {
	c := h.channels[msg.channel]
	c.busy = false

	switch {
	case msg.err == nil:
		c.sent++
		h.stats.Sent++
		c.replies.remember(msg.ref, msg.sessionID)
	case errors.Is(msg.err, ErrUnauthorized):
		c.failed++
		h.stats.Failed++
		h.disable(c, msg.err)
	default:
		c.failed++
		h.stats.Failed++
	}
	c.dispatch()
}

func (h *hub) opened(index int) {
	c := h.channels[index]
	if c.status != statusOpening {
		return
	}
	c.status = statusOpen
	c.log.Info("channel ready")
	c.dispatch()
}

// failed disables a channel that cannot open or whose credentials were
// rejected. A receiver that fails otherwise stops, but sending goes on.
func (h *hub) failed(msg *channelFailed) {
	c := h.channels[msg.channel]
	if msg.opening || errors.Is(msg.err, ErrUnauthorized) {
		h.disable(c, msg.err)
		return
	}
	c.log.Error("channel stopped receiving commands; notifications continue", slog.Any("error", msg.err))
}

// disable turns the channel off for the rest of the hub's life and logs
// why, once. Other channels are not affected.
func (h *hub) disable(c *channelState, err error) {
	if c.status == statusDisabled {
		return
	}
	c.status = statusDisabled
	h.stats.Dropped += len(c.queue)
	c.queue = nil
	h.stats.Disabled = append(h.stats.Disabled, c.channel.Name())
	c.log.Error("channel disabled until restart: fix its configuration", slog.Any("error", err))
}

// inbound hands an operator message to the commander. A reply is resolved
// to its session here, because the reply memory belongs to the hub.
func (h *hub) inbound(index int, in Inbound) {
	c := h.channels[index]
	cmd := parseCommand(in.Text, in.ReplyTo != "")
	job := &commandJob{channelIndex: index, channel: c.channel, in: in, cmd: cmd}
	if cmd.kind == commandReply {
		job.sessionID, _ = c.replies.lookup(in.ReplyTo)
	}

	select {
	case h.commander.jobs <- job:
	default:
		c.log.Warn("operator message dropped: too many commands pending",
			slog.Int64("chat_id", in.ChatID), slog.String("user", in.User))
	}
}

func (h *hub) snapshotStats() *Stats {
	s := h.stats
	s.Disabled = append([]string(nil), h.stats.Disabled...)
	for _, c := range h.channels {
		s.Queued += len(c.queue)
	}
	return &s
}

// closeChannels closes the channels that implement io.Closer.
func (h *hub) closeChannels() {
	for _, c := range h.channels {
		closer, ok := c.channel.(io.Closer)
		if !ok {
			continue
		}
		if err := closer.Close(); err != nil {
			c.log.Warn("closing channel failed", slog.Any("error", err))
		}
	}
}
