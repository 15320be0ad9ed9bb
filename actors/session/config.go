package session

import (
	"fmt"
	"time"
)

// Config holds the settings of the sessions registry, its session actors
// and the idle detector. The TOML keys are session.idle_threshold and
// session.idle_interval; the others have no key yet and keep their
// defaults.
type Config struct {
	// IdleThreshold is how long a running session must stay silent before
	// it becomes idle and session.idle is published.
	IdleThreshold time.Duration
	// IdleInterval is how often the idle detector checks for silence; a
	// session becomes idle between IdleThreshold and IdleThreshold plus
	// IdleInterval after its last output.
	IdleInterval time.Duration
	// StopGrace is how long a stopped session's processes get between
	// SIGTERM and SIGKILL.
	StopGrace time.Duration
	// RingSize is the number of most recent output bytes each session
	// keeps for replay.
	RingSize int
	// ViewerWindow is the maximum number of output bytes queued for one
	// stream viewer and not yet written to its socket. A viewer with a
	// full window stops receiving live output and catches up from the
	// ring once it has drained.
	ViewerWindow int
	// AckWindow is the maximum number of bytes sent to a flow-controlled
	// viewer and not yet acknowledged.
	AckWindow int
	// RequestTimeout bounds each request a Client sends to the actors.
	RequestTimeout time.Duration
}

// Defaults returns the default Config.
func Defaults() Config {
	return Config{
		IdleThreshold:  30 * time.Second,
		IdleInterval:   5 * time.Second,
		StopGrace:      5 * time.Second,
		RingSize:       1 << 20,
		ViewerWindow:   256 << 10,
		AckWindow:      512 << 10,
		RequestTimeout: 5 * time.Second,
	}
}

// Validate returns an error naming the first setting that is out of range.
func (c Config) Validate() error {
	switch {
	case c.IdleThreshold <= 0:
		return fmt.Errorf("session.idle_threshold is %v; it must be positive, for example 30s", c.IdleThreshold)
	case c.IdleInterval <= 0:
		return fmt.Errorf("session.idle_interval is %v; it must be positive, for example 5s", c.IdleInterval)
	case c.IdleInterval > c.IdleThreshold:
		return fmt.Errorf("session.idle_interval (%v) is longer than session.idle_threshold (%v); make it shorter", c.IdleInterval, c.IdleThreshold)
	case c.StopGrace <= 0:
		return fmt.Errorf("session stop grace period is %v; it must be positive", c.StopGrace)
	case c.RingSize < 4096:
		return fmt.Errorf("session ring size is %d bytes; it must be at least 4096", c.RingSize)
	case c.ViewerWindow < 4096:
		return fmt.Errorf("session viewer window is %d bytes; it must be at least 4096", c.ViewerWindow)
	case c.AckWindow < 4096:
		return fmt.Errorf("session ack window is %d bytes; it must be at least 4096", c.AckWindow)
	case c.RequestTimeout <= 0:
		return fmt.Errorf("session request timeout is %v; it must be positive", c.RequestTimeout)
	}
	return nil
}
