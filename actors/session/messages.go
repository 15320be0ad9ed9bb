package session

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// State is the lifecycle state of a session.
type State string

// Session states. A pending session becomes running when its process
// starts, and running and idle alternate with output. Stopped (by an
// operator or at shutdown) and ended (the process exited on its own) are
// final.
const (
	StatePending State = "pending"
	StateRunning State = "running"
	StateIdle    State = "idle"
	StateStopped State = "stopped"
	StateEnded   State = "ended"
)

// Finished reports whether s is a final state.
func (s State) Finished() bool { return s == StateStopped || s == StateEnded }

// Info is a session as the API shows it.
type Info struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Provider  string     `json:"provider"`
	Command   string     `json:"command"`
	Args      []string   `json:"args"`
	Cwd       string     `json:"cwd"`
	Cols      int        `json:"cols"`
	Rows      int        `json:"rows"`
	State     State      `json:"state"`
	PID       *int       `json:"pid"`
	ExitCode  *int       `json:"exit_code"`
	CreatedAt time.Time  `json:"created_at"`
	StartedAt *time.Time `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	// IdleSince is when an idle session turned idle; the list of sessions
	// sets it, and Details carries the live actor's own value.
	IdleSince *time.Time `json:"idle_since,omitempty"`
}

// Details is Info plus the fields that only a live session actor tracks. For a session
// left by an earlier gateway process the extra fields are zero.
type Details struct {
	Info
	Viewers      int        `json:"viewers"`
	IdleSince    *time.Time `json:"idle_since"` // shadows Info.IdleSince
	LastOutputAt *time.Time `json:"last_output_at"`
}

// Buffer is a copy of a session's ring: Data holds the output bytes from
// offset Start up to End.
type Buffer struct {
	Data       []byte
	Start, End int64
}

// AttachOptions configure a stream viewer. Since < 0 replays the whole
// ring; Since >= 0 replays from that output offset. Ack turns on
// acknowledgement-based flow control.
type AttachOptions struct {
	Since int64
	Ack   bool
}

// Gap describes output that a viewer missed because the ring no longer
// holds it: offsets From up to To (exclusive).
type Gap struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// Attachment is the result of Attach: the replay and the viewer that
// carries live output from End on. Replay starts at Start; Gap is set when
// the requested offset was older than the ring. For a finished session,
// Viewer is nil: the replay is all there is.
type Attachment struct {
	Viewer   *Viewer
	State    State
	ExitCode *int
	Cols     int
	Rows     int
	Gap      *Gap
	Start    int64
	Replay   []byte
	End      int64
}

// Requests a Client sends to the registry, which forwards those with an
// id to the session's actor. Replies are documented per request.
type (
	// createRequest: reply *Info or error.
	createRequest struct{ spec *launchSpec }
	// getRequest: reply *Details, *notLive or error.
	getRequest struct{ id string }
	// stopRequest: reply *Info once the process has exited, or error.
	stopRequest struct{ id string }
	// deleteRequest: reply *Info of the deleted session, *notLive or error.
	deleteRequest struct{ id string }
	// inputRequest: reply *ok or error.
	inputRequest struct {
		id   string
		data []byte
	}
	// resizeRequest: reply *Info or error.
	resizeRequest struct {
		id         string
		cols, rows int
	}
	// bufferRequest: reply *Buffer, *notLive or error.
	bufferRequest struct{ id string }
	// snapshotForward: reply Snapshot (from the screen), *notLive or error.
	snapshotForward struct{ id string }
	// attachRequest: reply *Attachment, *notLive or error.
	attachRequest struct {
		id   string
		opts AttachOptions
		// viewer is built by the Client so its queue exists before the
		// actor registers it.
		viewer *Viewer
	}
	// liveRequest: reply *liveSessions.
	liveRequest struct{}
)

// routed is implemented by requests the registry forwards by session id.
type routed interface{ sessionID() string }

func (m *getRequest) sessionID() string      { return m.id }
func (m *stopRequest) sessionID() string     { return m.id }
func (m *deleteRequest) sessionID() string   { return m.id }
func (m *inputRequest) sessionID() string    { return m.id }
func (m *resizeRequest) sessionID() string   { return m.id }
func (m *bufferRequest) sessionID() string   { return m.id }
func (m *snapshotForward) sessionID() string { return m.id }
func (m *attachRequest) sessionID() string   { return m.id }

// Replies.
type (
	ok      struct{}
	notLive struct{}
	// sessionDeleted notifies the registry that a session actor deleted its
	// record and is stopping.
	sessionDeleted struct{ id string }
	// liveSessions lists the ids of sessions whose actor runs.
	liveSessions struct{ ids []string }
	// errorReply carries an error, since futures pass any value.
	errorReply struct{ err error }
)

// Messages a session actor receives from its own goroutines, its viewers
// and the idle detector.
type (
	outputChunk struct{ buf []byte }
	// outputClosed: the PTY reader ended (EIO after the last process
	// closed the terminal, or the PTY was closed).
	outputClosed  struct{ err error }
	processExited struct {
		code int
		err  error
	}
	killTimer     struct{}
	hangupTimer   struct{}
	screenCatchUp struct{}
	viewerReady   struct{ id uint64 }
	viewerAck     struct {
		id     uint64
		offset int64
	}
	viewerDetach struct{ id uint64 }
	// viewerInput is a keystroke frame from a viewer; errors are only
	// logged because the stream has no request to fail.
	viewerInput  struct{ data []byte }
	viewerResize struct{ cols, rows int }
)

// spawnSession is what the registry passes to a new session actor: the
// spec and the requester to reply to once the process runs.
type spawnSession struct {
	id      string
	spec    *launchSpec
	replyTo *actor.PID
}
