package session

import (
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"
)

const (
	// screenBacklog is how far the screen may fall behind before its
	// backlog is dropped. vt10x parses roughly 11 MB/s of mixed ANSI
	// text (measured at 120x40 on one core), so this is about 25 ms of
	// its work.
	// NOTE: the bound is in bytes, not in work. Output made of screen
	// clears or scrolls on a very large terminal (1000x1000) costs up to a
	// million cell writes per six bytes, and a snapshot waits for that
	// backlog, so it can run into the Client's request timeout.
	screenBacklog = 256 << 10
	// screenRebuildBytes is how much of the ring's tail rebuilds a screen.
	screenRebuildBytes = 256 << 10
	// screenCatchUpDelay spaces out rebuilds during an output flood, so
	// that the screen costs a fraction of a core instead of a whole one.
	screenCatchUpDelay = 250 * time.Millisecond
)

// screenFeeder is the session actor's side of the screen child: it
// coalesces output into one batch in flight at a time, drops the backlog
// when the screen falls behind, and rebuilds it from the ring.
type screenFeeder struct {
	pid        *actor.PID
	cols, rows int

	seq      uint64 // of the latest batch sent
	acked    uint64 // of the latest batch processed
	ackedEnd int64  // output offset the screen has processed up to
	pending  []byte // output not yet sent
	stale    bool   // backlog dropped; a rebuild is due
	armed    bool   // a screenCatchUp timer is pending
	starts   int
	// rebuiltEarly: a rebuild was sent right after spawning, so the first
	// screenStarted needs none.
	rebuiltEarly bool
	timer        *scheduler.TimerScheduler
	// restartsSinceProgress counts restarts with no batch processed in
	// between; a second one rebuilds a blank screen so that input that
	// crashes vt10x cannot loop.
	restartsSinceProgress int
	// skipped lists output ranges [from, to) that were in flight when vt10x
	// panicked. Every later rebuild leaves them out, because one of them
	// holds the input that crashed it.
	skipped [][2]int64
}

func (f *screenFeeder) start(ctx actor.Context, cols, rows int) {
	f.cols, f.rows = cols, rows
	pid, err := ctx.SpawnNamed(newScreenProps(cols, rows), "screen")
	if err != nil {
		// Only a name clash fails here, which a restarted session
		// actor would cause; session actors do not restart.
		return
	}
	f.pid = pid
	f.starts = 0
	f.rebuiltEarly = false
}

func (f *screenFeeder) terminated(child *actor.PID) {
	if f.pid != nil && child.Equal(f.pid) {
		f.pid = nil
	}
}

func (f *screenFeeder) busy() bool { return f.seq != f.acked }

// output takes a new chunk that ends at offset end.
func (f *screenFeeder) output(ctx actor.Context, s *sessionActor, data []byte, end int64) {
	// Before the screen has started, the rebuild that follows its start
	// covers this output from the ring.
	if f.pid == nil || f.stale || (f.starts == 0 && !f.rebuiltEarly) {
		return
	}
	f.pending = append(f.pending, data...)
	if len(f.pending) > screenBacklog {
		f.pending = nil
		f.stale = true
		f.armCatchUp(ctx)
		return
	}
	if !f.busy() {
		f.sendPending(ctx, end)
	}
}

func (f *screenFeeder) sendPending(ctx actor.Context, end int64) {
	if len(f.pending) == 0 {
		return
	}
	f.seq++
	ctx.Send(f.pid, &screenFeed{Seq: f.seq, End: end, Data: f.pending})
	f.pending = nil
}

func (f *screenFeeder) armCatchUp(ctx actor.Context) {
	if f.armed {
		return
	}
	f.armed = true
	f.timer.SendOnce(screenCatchUpDelay, ctx.Self(), &screenCatchUp{})
}

// rebuild replaces the screen's emulator with one fed the ring's tail up
// to offset upTo.
func (f *screenFeeder) rebuild(ctx actor.Context, s *sessionActor, upTo int64) {
	from := max(s.ring.Start(), upTo-screenRebuildBytes)
	data := f.readSkipping(s, from, upTo)
	f.seq++
	ctx.Send(f.pid, &screenRebuild{Seq: f.seq, End: s.ring.End(), Cols: f.cols, Rows: f.rows, Data: data})
	f.pending = nil
	f.stale = false
}

// readSkipping returns the ring's bytes in [from, upTo) without the
// skipped ranges, and drops skipped ranges the ring no longer contains.
func (f *screenFeeder) readSkipping(s *sessionActor, from, upTo int64) []byte {
	inRing := f.skipped[:0]
	for _, r := range f.skipped {
		if r[1] > s.ring.Start() {
			inRing = append(inRing, r)
		}
	}
	f.skipped = inRing

	var data []byte
	for at := from; at < upTo; {
		end := upTo
		for _, r := range f.skipped {
			if r[0] <= at && at < r[1] {
				at = r[1] // inside a skipped range: jump past it
				end = -1
				break
			}
			if r[0] > at && r[0] < end {
				end = r[0] // stop where the next skipped range begins
			}
		}
		if end < 0 {
			continue
		}
		chunk, _ := s.ring.ReadFrom(at, int(end-at))
		if len(chunk) == 0 {
			break
		}
		data = append(data, chunk...)
		at += int64(len(chunk))
	}
	return data
}

func (f *screenFeeder) handle(ctx actor.Context, s *sessionActor, msg any) {
	switch msg := msg.(type) {
	case *screenStarted:
		if f.pid == nil {
			return
		}
		f.starts++
		if f.starts == 1 {
			if !f.rebuiltEarly {
				f.rebuild(ctx, s, s.ring.End())
			}
			return
		}
		// protoactor restarted the screen after a panic in vt10x. The
		// batches in flight are skipped, since one of them caused it.
		f.restartsSinceProgress++
		upTo := f.ackedEnd
		if f.restartsSinceProgress > 1 {
			upTo = 0
		}
		s.log.Warn("screen emulator restarted after a failure; rebuilding it from the ring",
			slog.Int64("skipped_from", f.ackedEnd), slog.Int64("skipped_to", s.ring.End()))
		if s.ring.End() > f.ackedEnd {
			f.skipped = append(f.skipped, [2]int64{f.ackedEnd, s.ring.End()})
		}
		f.acked = f.seq
		f.rebuild(ctx, s, upTo)

	case *screenFed:
		if msg.Seq <= f.acked {
			return
		}
		f.acked, f.ackedEnd = msg.Seq, msg.End
		f.restartsSinceProgress = 0
		if !f.busy() && !f.stale {
			f.sendPending(ctx, s.ring.End())
		}

	case *screenCatchUp:
		f.armed = false
		if !f.stale || f.pid == nil {
			return
		}
		if f.busy() {
			f.armCatchUp(ctx)
			return
		}
		f.rebuild(ctx, s, s.ring.End())
	}
}

func (f *screenFeeder) resize(ctx actor.Context, cols, rows int) {
	f.cols, f.rows = cols, rows
	if f.pid != nil {
		ctx.Send(f.pid, &screenResize{Cols: cols, Rows: rows})
	}
}

// forwardSnapshot brings the screen up to date and forwards the snapshot
// request to it with the original sender, so the screen replies to
// the requester directly.
func (f *screenFeeder) forwardSnapshot(ctx actor.Context, s *sessionActor) {
	if f.pid == nil {
		f.start(ctx, f.cols, f.rows)
		if f.pid == nil {
			ctx.Respond(&errorReply{err: newPublicError(ErrUnavailable, "the screen of session "+s.id+" is not available")})
			return
		}
		f.rebuild(ctx, s, s.ring.End())
		f.rebuiltEarly = true
	}
	if f.stale {
		f.rebuild(ctx, s, s.ring.End())
	} else {
		f.sendPending(ctx, s.ring.End())
	}
	ctx.RequestWithCustomSender(f.pid, &snapshotRequest{}, ctx.Sender())
}
