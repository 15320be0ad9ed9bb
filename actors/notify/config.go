package notify

import (
	"fmt"
	"time"
)

// Config tunes the hub. Channel settings (tokens, chat ids, which events)
// belong to each channel's own Config. The toml tags give the key names
// under a [notify] section; Validate reports errors with those names.
type Config struct {
	// ShutdownTimeout bounds the Stopping handler: pending notifications
	// are delivered within it and dropped past it.
	ShutdownTimeout time.Duration `toml:"shutdown_timeout"`
	// QueueSize is the number of notifications each channel may have
	// waiting. A full queue drops its oldest entry.
	QueueSize int `toml:"queue_size"`
	// CoalesceWindow is how long an idle notification waits for more events
	// of the same session, so that idle followed by ended, or several idles,
	// become one message. Ended and stopped notifications leave at once.
	CoalesceWindow time.Duration `toml:"coalesce_window"`
	// ScreenLines is the maximum number of screen lines in a notification.
	ScreenLines int `toml:"screen_lines"`
	// MaxAttempts is the number of tries per message, counting the first.
	MaxAttempts int `toml:"max_attempts"`
	// RetryBase is the wait after the first failed attempt; each further
	// failure doubles it, up to RetryMax. A rate limit's retry-after value
	// replaces the computed wait.
	RetryBase time.Duration `toml:"retry_base"`
	RetryMax  time.Duration `toml:"retry_max"`
	// CallTimeout bounds each call to Sessions.
	CallTimeout time.Duration `toml:"call_timeout"`
	// ReplyMemory is the number of sent messages per channel whose session
	// the hub remembers, so that a reply to one of them reaches its session.
	ReplyMemory int `toml:"reply_memory"`
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		ShutdownTimeout: 5 * time.Second,
		QueueSize:       64,
		CoalesceWindow:  3 * time.Second,
		ScreenLines:     20,
		MaxAttempts:     5,
		RetryBase:       time.Second,
		RetryMax:        30 * time.Second,
		CallTimeout:     5 * time.Second,
		ReplyMemory:     512,
	}
}

// Validate returns an error naming the first invalid key.
func (c Config) Validate() error {
	durations := []struct {
		key   string
		value time.Duration
	}{
		{"notify.shutdown_timeout", c.ShutdownTimeout},
		{"notify.retry_base", c.RetryBase},
		{"notify.retry_max", c.RetryMax},
		{"notify.call_timeout", c.CallTimeout},
	}
	for _, d := range durations {
		if d.value <= 0 {
			return fmt.Errorf("%s: invalid duration %s: expected a positive duration such as 5s", d.key, d.value)
		}
	}
	if c.CoalesceWindow < 0 {
		return fmt.Errorf("notify.coalesce_window: invalid duration %s: expected 0 (no coalescing) or a positive duration such as 3s", c.CoalesceWindow)
	}
	if c.RetryMax < c.RetryBase {
		return fmt.Errorf("notify.retry_max: %s is below notify.retry_base %s: expected at least the base", c.RetryMax, c.RetryBase)
	}

	counts := []struct {
		key   string
		value int
		min   int
	}{
		{"notify.queue_size", c.QueueSize, 1},
		{"notify.screen_lines", c.ScreenLines, 0},
		{"notify.max_attempts", c.MaxAttempts, 1},
		{"notify.reply_memory", c.ReplyMemory, 1},
	}
	for _, n := range counts {
		if n.value < n.min {
			return fmt.Errorf("%s: invalid value %d: expected an integer of at least %d", n.key, n.value, n.min)
		}
	}
	return nil
}

// backoff returns the wait after failed attempt number attempt (1-based).
func (c Config) backoff(attempt int) time.Duration {
	wait := c.RetryBase
	for i := 1; i < attempt && wait < c.RetryMax; i++ {
		wait *= 2
	}
	return min(wait, c.RetryMax)
}
