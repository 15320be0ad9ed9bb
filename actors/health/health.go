// Package health is the health checker: an actor that pings PostgreSQL with
// a 2-second deadline, on request and on a timer, and logs each change
// between reachable and unreachable.
//
// Concurrent requests share the ping in flight, so a burst of probes from a
// load balancer costs one round trip. The ping runs on a goroutine the actor
// owns; its result comes back as a message. The actor keeps no state worth
// saving, so a restart loses nothing but the last result. Its stop budget is
// 2 s: Stopping cancels the ping in flight and waits for its goroutine.
package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"
)

// PingTimeout is the deadline of one database ping.
const PingTimeout = 2 * time.Second

// StopTimeout is the checker's stop budget.
const StopTimeout = 2 * time.Second

// Pinger is the database the checker pings, the store's DB in production.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Status is the result of a check.
type Status struct {
	DBOK      bool
	CheckedAt time.Time
	// Err is the ping's error when DBOK is false.
	Err error
}

// Check requests a fresh status; the checker replies with *Status.
type Check struct{}

type tick struct{}

type pingDone struct {
	err error
	at  time.Time
}

// Options configures the checker.
type Options struct {
	// Interval is how often the checker pings on its own to log changes;
	// zero turns the timer off.
	Interval time.Duration
	// Timeout is the ping deadline; PingTimeout when zero.
	Timeout time.Duration
}

type checker struct {
	pinger  Pinger
	opts    Options
	logger  *slog.Logger
	waiters []*actor.PID
	// cancel and done belong to the ping in flight; nil when idle.
	cancel   context.CancelFunc
	done     chan struct{}
	lastOK   *bool
	stopTick scheduler.CancelFunc
}

// NewProps returns the props of a checker that pings pinger.
func NewProps(pinger Pinger, opts Options, logger *slog.Logger) *actor.Props {
	if opts.Timeout == 0 {
		opts.Timeout = PingTimeout
	}
	return actor.PropsFromProducer(func() actor.Actor {
		return &checker{pinger: pinger, opts: opts, logger: logger.With("actor", "health")}
	})
}

func (c *checker) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		if c.opts.Interval > 0 {
			c.stopTick = scheduler.NewTimerScheduler(ctx).SendRepeatedly(c.opts.Interval, c.opts.Interval, ctx.Self(), &tick{})
		}
		c.startPing(ctx)
	case *Check:
		if ctx.Sender() != nil {
			c.waiters = append(c.waiters, ctx.Sender())
		}
		c.startPing(ctx)
	case *tick:
		c.startPing(ctx)
	case *pingDone:
		c.finishPing(ctx, msg)
	case *actor.Stopping:
		if c.stopTick != nil {
			c.stopTick()
		}
		c.abortPing()
	case *actor.Restarting:
		if c.stopTick != nil {
			c.stopTick()
		}
		c.abortPing()
	}
}

// startPing launches a ping unless one is in flight.
func (c *checker) startPing(ctx actor.Context) {
	if c.done != nil {
		return
	}
	pingCtx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	done := make(chan struct{})
	c.cancel, c.done = cancel, done

	self, root, pinger := ctx.Self(), ctx.ActorSystem().Root, c.pinger
	go func() {
		defer close(done)
		err := pinger.Ping(pingCtx)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(pingCtx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("ping timed out after %s", c.opts.Timeout)
		}
		root.Send(self, &pingDone{err: err, at: time.Now()})
	}()
}

func (c *checker) finishPing(ctx actor.Context, msg *pingDone) {
	c.cancel()
	c.cancel, c.done = nil, nil

	status := &Status{DBOK: msg.err == nil, CheckedAt: msg.at, Err: msg.err}
	for _, waiter := range c.waiters {
		ctx.Send(waiter, status)
	}
	c.waiters = c.waiters[:0]

	if c.lastOK == nil || *c.lastOK != status.DBOK {
		switch {
		case status.DBOK && c.lastOK != nil:
			c.logger.Info("database reachable again")
		case !status.DBOK:
			c.logger.Warn("database unreachable", slog.String("error", msg.err.Error()))
		}
		ok := status.DBOK
		c.lastOK = &ok
	}
}

// abortPing cancels the ping in flight and waits for its goroutine, which
// returns promptly once its context is cancelled.
func (c *checker) abortPing() {
	if c.done == nil {
		return
	}
	c.cancel()
	<-c.done
	c.cancel, c.done = nil, nil
}

// Client requests the database status from a checker.
type Client struct {
	system *actor.ActorSystem
	pid    *actor.PID
}

// NewClient wraps the checker's PID.
func NewClient(system *actor.ActorSystem, pid *actor.PID) *Client {
	return &Client{system: system, pid: pid}
}

// ErrUnavailable is returned when the checker does not reply in time.
var ErrUnavailable = errors.New("health checker did not reply in time")

// Check returns a fresh status. The checker replies within its ping
// timeout, and ctx may shorten the wait.
func (c *Client) Check(ctx context.Context) (Status, error) {
	wait := PingTimeout + time.Second
	if deadline, ok := ctx.Deadline(); ok {
		wait = time.Until(deadline)
	}
	reply, err := c.system.Root.RequestFuture(c.pid, &Check{}, wait).Result()
	if err != nil {
		return Status{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return *reply.(*Status), nil
}
