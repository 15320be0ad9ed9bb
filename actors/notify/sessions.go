package notify

import "context"

// Sessions is the hub's view of the session registry. The main wiring
// adapts the session client to it. Calls come from the hub's own
// goroutines, never from its Receive, and each carries a deadline.
type Sessions interface {
	// List returns every known session, live or finished.
	List(ctx context.Context) ([]SessionSummary, error)
	// Snapshot returns the text lines of the session's emulated screen,
	// top to bottom.
	Snapshot(ctx context.Context, id string) ([]string, error)
	// Input writes data to the session's terminal as if typed.
	Input(ctx context.Context, id string, data []byte) error
}

// SessionSummary describes one session for the /sessions command and for
// resolving a session name typed in a chat.
type SessionSummary struct {
	ID       string
	Name     string
	Provider string
	// State is pending, running, idle, stopped or ended.
	State string
}

// live reports whether the session's process may still accept input.
func (s SessionSummary) live() bool {
	switch s.State {
	case "stopped", "ended":
		return false
	}
	return true
}
