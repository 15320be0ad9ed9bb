package telegram

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/opendray/opendray/actors/notify"
)

// update is the part of a Bot API Update the channel reads.
type update struct {
	UpdateID int64    `json:"update_id"`
	Message  *message `json:"message"`
}

type message struct {
	MessageID      int64    `json:"message_id"`
	From           *user    `json:"from"`
	Chat           chat     `json:"chat"`
	Date           int64    `json:"date"`
	Text           string   `json:"text"`
	ReplyToMessage *message `json:"reply_to_message"`
}

type user struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type chat struct {
	ID int64 `json:"id"`
}

type getUpdatesParams struct {
	Offset         int64    `json:"offset,omitempty"`
	Timeout        int      `json:"timeout"`
	AllowedUpdates []string `json:"allowed_updates"`
}

// Receive long-polls getUpdates and passes each text message from the
// configured chat to deliver, until ctx is done (it then returns nil) or
// the token is rejected. Failed polls are retried with backoff. Only one
// Receive may run at a time.
func (c *Channel) Receive(ctx context.Context, deliver func(notify.Inbound)) error {
	failures := 0
	for {
		params := getUpdatesParams{
			Offset:         c.offset,
			Timeout:        int(c.cfg.PollTimeout / time.Second),
			AllowedUpdates: []string{"message"},
		}
		var updates []update
		err := c.call(ctx, c.pollClient, "getUpdates", params, &updates)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, notify.ErrUnauthorized) {
				return err
			}
			failures++
			wait := c.pollBackoff(failures, err)
			c.log.Warn("telegram getUpdates failed, retrying",
				slog.Int("attempt", failures), slog.Duration("retry_in", wait), slog.Any("error", err))
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		if failures > 0 {
			c.log.Info("telegram getUpdates recovered", slog.Int("failures", failures))
			failures = 0
		}

		for _, u := range updates {
			c.offset = max(c.offset, u.UpdateID+1)
			if u.Message != nil {
				c.accept(u.Message, deliver)
			}
		}
	}
}

// pollBackoff returns the wait after the given number of consecutive
// failures: the rate limit's retry-after value, or a doubling backoff.
func (c *Channel) pollBackoff(failures int, err error) time.Duration {
	var limited *notify.RetryAfterError
	if errors.As(err, &limited) {
		return limited.Delay
	}
	wait := c.pollRetryBase
	for i := 1; i < failures && wait < c.pollRetryMax; i++ {
		wait *= 2
	}
	return min(wait, c.pollRetryMax)
}

// accept passes m to deliver if it comes from the configured chat, is
// recent and has text. Messages from other chats are logged without their
// text.
func (c *Channel) accept(m *message, deliver func(notify.Inbound)) {
	sender := senderName(m.From)
	if m.Chat.ID != c.cfg.ChatID {
		c.ignore(m.Chat.ID, sender)
		return
	}

	age := time.Since(time.Unix(m.Date, 0))
	if age > maxMessageAge {
		c.log.Info("old telegram message ignored",
			slog.Int64("chat_id", m.Chat.ID), slog.String("user", sender), slog.Duration("age", age.Round(time.Second)))
		return
	}
	if m.Text == "" {
		c.log.Debug("telegram message without text ignored", slog.Int64("chat_id", m.Chat.ID), slog.String("user", sender))
		return
	}

	in := notify.Inbound{
		ChatID: m.Chat.ID,
		User:   sender,
		Text:   m.Text,
		Ref:    strconv.FormatInt(m.MessageID, 10),
	}
	if m.ReplyToMessage != nil {
		in.ReplyTo = strconv.FormatInt(m.ReplyToMessage.MessageID, 10)
	}
	deliver(in)
}

// ignore logs a message from a chat that is not allowed, at most once per
// ignoredLogInterval per chat, with the number of messages dropped.
func (c *Channel) ignore(chatID int64, sender string) {
	state := c.ignored[chatID]
	if state == nil {
		// Bound the map: a flood from many chats must not grow it forever.
		if len(c.ignored) >= 1000 {
			clear(c.ignored)
		}
		state = &ignoredChat{}
		c.ignored[chatID] = state
	}
	state.count++
	if time.Since(state.loggedAt) < ignoredLogInterval {
		return
	}
	c.log.Warn("telegram message from an unauthorized chat ignored",
		slog.Int64("chat_id", chatID), slog.String("user", sender), slog.Int("ignored", state.count))
	state.count = 0
	state.loggedAt = time.Now()
}

// senderName returns @username, or the numeric user id when the sender
// has no user name.
func senderName(u *user) string {
	switch {
	case u == nil:
		return ""
	case u.Username != "":
		return "@" + u.Username
	}
	return strconv.FormatInt(u.ID, 10)
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
