package session

import (
	"strings"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hinshun/vt10x"
)

// Snapshot is the emulated screen of a session: its size, the cursor and
// one string per row with trailing blanks removed.
type Snapshot struct {
	Cols   int      `json:"cols"`
	Rows   int      `json:"rows"`
	Cursor Cursor   `json:"cursor"`
	Lines  []string `json:"lines"`
}

// Cursor is the cursor position on a Snapshot, zero-based from the top left.
type Cursor struct {
	X       int  `json:"x"`
	Y       int  `json:"y"`
	Visible bool `json:"visible"`
}

// emulator is a vt10x terminal behind an inputFilter.
type emulator struct {
	term    vt10x.Terminal
	filter  inputFilter
	scratch []byte
}

func newEmulator(cols, rows int) *emulator {
	return &emulator{term: vt10x.New(vt10x.WithSize(cols, rows))}
}

// emulatorWrite feeds the emulator; tests replace it to simulate a vt10x
// panic.
var emulatorWrite = (*emulator).Write

func (e *emulator) Write(p []byte) {
	e.scratch = e.filter.Filter(e.scratch[:0], p)
	if len(e.scratch) > 0 {
		e.term.Write(e.scratch)
	}
	if cap(e.scratch) > 1<<20 {
		e.scratch = nil
	}
}

func (e *emulator) Resize(cols, rows int) { e.term.Resize(cols, rows) }

func (e *emulator) Snapshot() Snapshot {
	e.term.Lock()
	defer e.term.Unlock()

	cols, rows := e.term.Size()
	cursor := e.term.Cursor()
	snap := Snapshot{
		Cols:   cols,
		Rows:   rows,
		Cursor: Cursor{X: cursor.X, Y: cursor.Y, Visible: e.term.CursorVisible()},
		Lines:  make([]string, rows),
	}
	var line strings.Builder
	for y := range rows {
		line.Reset()
		for x := range cols {
			c := e.term.Cell(x, y).Char
			if c == 0 {
				c = ' '
			}
			line.WriteRune(c)
		}
		snap.Lines[y] = strings.TrimRight(line.String(), " ")
	}
	return snap
}

// Messages between a session actor and its screen.
type (
	// screenStarted is sent by the screen to its session from Started,
	// after the first start and after every restart.
	screenStarted struct{}
	// screenFeed carries coalesced output to the screen.
	screenFeed struct {
		Seq  uint64
		End  int64 // offset one past Data
		Data []byte
	}
	// screenRebuild replaces the emulator with a blank one of the given
	// size and feeds it Data, usually the tail of the ring.
	screenRebuild struct {
		Seq        uint64
		End        int64
		Cols, Rows int
		Data       []byte
	}
	// screenFed acknowledges a screenFeed or screenRebuild.
	screenFed struct {
		Seq uint64
		End int64
	}
	screenResize struct{ Cols, Rows int }
	// snapshotRequest requests a Snapshot, which the screen sends to the
	// request's sender.
	snapshotRequest struct{}
)

// screenActor owns the vt10x emulator of one session. It is a child of the
// session actor and sits off the output path: the session sends it
// coalesced chunks, the next batch once the last is acknowledged (or at
// once before a snapshot), and never waits for it.
//
// Lifecycle: Started creates a blank emulator and notifies the session,
// which replies with a rebuild from the tail of its ring. A panic inside vt10x
// makes protoactor restart the actor, which loses the emulator and starts
// over the same way. The rebuild then skips the output that was in flight.
type screenActor struct {
	cols, rows int
	emu        *emulator
	// awaitingRebuild drops feeds between a start and the session's
	// rebuild: after a restart they may repeat the input that crashed
	// vt10x, and the rebuild covers them anyway.
	awaitingRebuild bool
	// waiting holds the senders of snapshot requests that arrived while
	// awaitingRebuild; they get their snapshot after the rebuild.
	waiting []*actor.PID
}

func newScreenProps(cols, rows int) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &screenActor{cols: cols, rows: rows}
	})
}

func (s *screenActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		s.emu = newEmulator(s.cols, s.rows)
		s.awaitingRebuild = true
		ctx.Send(ctx.Parent(), &screenStarted{})

	case *screenFeed:
		if s.awaitingRebuild {
			return
		}
		emulatorWrite(s.emu, msg.Data)
		ctx.Send(ctx.Parent(), &screenFed{Seq: msg.Seq, End: msg.End})

	case *screenRebuild:
		s.cols, s.rows = msg.Cols, msg.Rows
		s.emu = newEmulator(msg.Cols, msg.Rows)
		s.awaitingRebuild = false
		emulatorWrite(s.emu, msg.Data)
		ctx.Send(ctx.Parent(), &screenFed{Seq: msg.Seq, End: msg.End})
		if len(s.waiting) > 0 {
			snap := s.emu.Snapshot()
			for _, requester := range s.waiting {
				ctx.Send(requester, snap)
			}
			s.waiting = nil
		}

	case *screenResize:
		s.cols, s.rows = msg.Cols, msg.Rows
		s.emu.Resize(msg.Cols, msg.Rows)

	case *snapshotRequest:
		if s.awaitingRebuild {
			s.waiting = append(s.waiting, ctx.Sender())
			return
		}
		ctx.Respond(s.emu.Snapshot())
	}
}
