package session

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// FrameKind is the type of a Frame.
type FrameKind int

const (
	// FrameOutput carries output bytes starting at Offset.
	FrameOutput FrameKind = iota
	// FrameGap reports that output from Offset up to To was lost because the
	// viewer fell further behind than the ring holds.
	FrameGap
	// FrameState reports a new session state.
	FrameState
	// FrameEnd is the last frame: the session finished (Shutdown false)
	// or the gateway is shutting down (Shutdown true).
	FrameEnd
)

// Frame is one item of a viewer's queue. Call Release once its Data has
// been written; Data must not be used after that.
type Frame struct {
	Kind     FrameKind
	Offset   int64
	To       int64
	Data     []byte
	State    State
	ExitCode *int
	Shutdown bool
	chunk    *chunk // the pooled buffer behind Data, if any
}

// Release returns the frame's buffer for reuse.
func (f Frame) Release() {
	if f.chunk != nil {
		f.chunk.release()
	}
}

// Viewer is the queue between a session actor and one stream client. The
// actor pushes frames while the bytes queued stay under the viewer window.
// The stream's writer goroutine takes them with Take and reports each
// written frame with Written. When the window is full the actor stops
// pushing and the viewer lags. Once the writer has drained half the
// window, Written sends the actor a request to continue from the viewer's
// offset in the ring. So a viewer that stops reading holds at most one
// window of memory and never slows the session or other viewers.
//
// Input, Resize and Ack send to the session without waiting. Close
// detaches the viewer; call it exactly once when the stream ends.
type Viewer struct {
	id      uint64
	session *actor.PID
	root    *actor.RootContext
	window  int

	mu        sync.Mutex
	frames    []Frame
	queued    int // output bytes pushed and not yet reported written
	wantReady bool
	closed    bool
	wake      chan struct{}
}

func newViewer(id uint64, root *actor.RootContext, window int) *Viewer {
	return &Viewer{id: id, root: root, window: window, wake: make(chan struct{}, 1)}
}

// Take returns the queued frames, or nil when there are none; wait on
// Ready between calls.
func (v *Viewer) Take() []Frame {
	v.mu.Lock()
	defer v.mu.Unlock()
	frames := v.frames
	v.frames = nil
	return frames
}

// Ready returns a channel that receives a value after new frames are
// queued.
func (v *Viewer) Ready() <-chan struct{} { return v.wake }

// Written reports that n output bytes taken from Take reached the socket.
func (v *Viewer) Written(n int) {
	v.mu.Lock()
	v.queued -= n
	resume := v.wantReady && v.queued <= v.window/2
	if resume {
		v.wantReady = false
	}
	v.mu.Unlock()
	if resume {
		v.send(&viewerReady{id: v.id})
	}
}

// Input writes keystrokes to the session's PTY.
func (v *Viewer) Input(data []byte) { v.send(&viewerInput{data: data}) }

// Resize changes the PTY size; cols and rows must be within 1 to 1000.
func (v *Viewer) Resize(cols, rows int) error {
	if _, err := dimension("cols", &cols, 0); err != nil {
		return err
	}
	if _, err := dimension("rows", &rows, 0); err != nil {
		return err
	}
	v.send(&viewerResize{cols: cols, rows: rows})
	return nil
}

// Ack acknowledges output up to offset for a flow-controlled viewer.
func (v *Viewer) Ack(offset int64) { v.send(&viewerAck{id: v.id, offset: offset}) }

func (v *Viewer) send(msg any) {
	v.mu.Lock()
	session := v.session
	v.mu.Unlock()
	if session != nil {
		v.root.Send(session, msg)
	}
}

// Close detaches the viewer from its session.
func (v *Viewer) Close() {
	v.mu.Lock()
	already := v.closed
	v.closed = true
	dropped := v.frames
	v.frames = nil
	session := v.session
	v.mu.Unlock()
	for _, f := range dropped {
		f.Release()
	}
	if !already && session != nil {
		v.root.Send(session, &viewerDetach{id: v.id})
	}
}

// push queues f, taking a reference to its chunk. Output frames are
// accepted only while the window has room; otherwise push returns false
// and remembers to send viewerReady once the writer has drained. Other
// frames are always accepted. A closed viewer drops every frame.
func (v *Viewer) push(f Frame) bool {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return true
	}
	if f.Kind == FrameOutput {
		if v.queued > 0 && v.queued+len(f.Data) > v.window {
			v.wantReady = true
			v.mu.Unlock()
			return false
		}
		v.queued += len(f.Data)
	}
	if f.chunk != nil {
		f.chunk.retain()
	}
	v.frames = append(v.frames, f)
	v.mu.Unlock()

	select {
	case v.wake <- struct{}{}:
	default:
	}
	return true
}

// room returns how many output bytes the window takes now. When it is
// full, room also arranges for viewerReady once the writer drains.
func (v *Viewer) room() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	free := v.window - v.queued
	if free <= 0 {
		v.wantReady = true
		return 0
	}
	return free
}

// bind sets the session the viewer sends to. It returns false when the
// viewer was closed first, so the actor does not register it.
func (v *Viewer) bind(session *actor.PID) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return false
	}
	v.session = session
	return true
}
