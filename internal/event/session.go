package event

// Session lifecycle events. Each carries the session id, name and provider
// so a subscriber needs no lookup to describe the session.

// SessionInfo identifies the session an event is about.
type SessionInfo struct {
	SessionID string `json:"session_id"`
	Session   string `json:"name"`
	Provider  string `json:"provider"`
}

// SessionCreated is published when a session record exists and its process
// is about to start.
type SessionCreated struct {
	Meta
	SessionInfo
}

// SessionRunning is published when a session's process has started, and
// again each time an idle session produces output.
type SessionRunning struct {
	Meta
	SessionInfo
	PID int `json:"pid"`
}

// SessionIdle is published once per silence, when a running session has
// produced no output for the idle threshold. Viewers is the number of
// stream clients attached at that moment.
type SessionIdle struct {
	Meta
	SessionInfo
	SilentSeconds float64 `json:"silent_s"`
	Viewers       int     `json:"viewers"`
}

// SessionEnded is published when a session's process exits on its own.
type SessionEnded struct {
	Meta
	SessionInfo
	ExitCode int `json:"exit_code"`
}

// SessionStopped is published when an operator stopped a session and its
// process has exited.
type SessionStopped struct {
	Meta
	SessionInfo
	ExitCode int `json:"exit_code"`
}

// SessionDeleted is published when a finished session's record is deleted.
type SessionDeleted struct {
	Meta
	SessionInfo
}

func (*SessionCreated) Name() string { return "session.created" }
func (*SessionRunning) Name() string { return "session.running" }
func (*SessionIdle) Name() string    { return "session.idle" }
func (*SessionEnded) Name() string   { return "session.ended" }
func (*SessionStopped) Name() string { return "session.stopped" }
func (*SessionDeleted) Name() string { return "session.deleted" }
