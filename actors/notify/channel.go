package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Channel is one destination for notifications: a chat service, a webhook.
// The hub calls Send from its own goroutines, possibly two at once (a
// notification and a command reply), so implementations must be safe for
// concurrent use. A channel that also implements io.Closer is closed when
// the hub stops.
type Channel interface {
	// Name returns a short lowercase name used in logs and events ("telegram").
	Name() string

	// Filter returns which events this channel wants.
	Filter() Filter

	// Open checks that the channel can send, for example that its
	// credentials are accepted. A permanent error (see Permanent and
	// ErrUnauthorized) disables the channel. The hub retries other errors
	// with backoff.
	Open(ctx context.Context) error

	// Send makes one attempt to deliver m and returns the channel's
	// reference for the sent message (used to map replies back to the
	// session), or "" when the channel has none. The hub retries errors
	// itself: see RetryAfterError, Permanent and ErrUnauthorized.
	Send(ctx context.Context, m Message) (ref string, err error)
}

// Receiver is implemented by channels that accept messages from the
// operator. Receive blocks, passing each accepted message to deliver, until
// ctx is done or the channel's credentials are rejected (an error wrapping
// ErrUnauthorized). The channel itself drops messages from senders it does
// not trust; everything passed to deliver is obeyed.
type Receiver interface {
	Receive(ctx context.Context, deliver func(Inbound)) error
}

// Filter selects the events a channel is notified about.
type Filter struct {
	// Events contains event names, for example "session.idle".
	Events []string
	// NotifyWhileViewed sends idle notifications even while a viewer is
	// attached to the session.
	NotifyWhileViewed bool
}

// wants reports whether the filter contains the event name.
func (f Filter) wants(name string) bool {
	for _, e := range f.Events {
		if e == name {
			return true
		}
	}
	return false
}

// Message is the channel-neutral content of a notification or of a reply to
// a command. Each channel renders it in its own markup and applies its own
// size limit.
type Message struct {
	// SessionID is the session the message is about, or "". Channels link
	// to the session in the web admin when they know its public address.
	SessionID string
	// Title is the first line, for example "build (claude)".
	Title string
	// Text contains lines of plain text below the title.
	Text []string
	// Screen contains the last lines of the session's terminal screen,
	// shown in a monospaced block.
	Screen []string
	// ReplyTo is the channel reference of the message this one responds
	// to, or "".
	ReplyTo string
}

// Inbound is a message from the operator, as a Receiver delivers it.
type Inbound struct {
	// ChatID identifies the chat the message came from.
	ChatID int64
	// User names the sender (a user name, or an id when there is none).
	User string
	// Text is the message text.
	Text string
	// Ref is the channel's reference for this message.
	Ref string
	// ReplyTo is the reference of the message this one replies to, or "".
	ReplyTo string
}

// ErrUnauthorized means the channel's credentials were rejected. The hub
// disables the channel and logs the error once.
var ErrUnauthorized = errors.New("credentials rejected")

// RetryAfterError is a send that the service rate-limited: the hub waits
// Delay before the next attempt.
type RetryAfterError struct {
	Delay time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.Delay)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure that retrying cannot fix, for example a
// request the service rejected as invalid. The hub drops the message.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was marked with Permanent or wraps
// ErrUnauthorized.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p) || errors.Is(err, ErrUnauthorized)
}
