package session

import (
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/opendray/opendray/actors/idle"
	"github.com/opendray/opendray/internal/event"
)

// noteOutput records output for idle detection: an idle session becomes
// running again, and the detector hears of activity at most once per
// check interval.
func (s *sessionActor) noteOutput(ctx actor.Context) {
	now := time.Now()
	s.lastOutput = now
	if s.state == StateIdle {
		s.idleSince = nil
		s.setState(StateRunning)
		s.persist()
		s.deps.Bus.Publish(&event.SessionRunning{SessionInfo: s.eventInfo(), PID: *s.rec.PID})
		s.reportActivity(ctx, now)
		return
	}
	if now.Sub(s.lastReport) >= s.cfg.IdleInterval {
		s.reportActivity(ctx, now)
	}
}

func (s *sessionActor) reportActivity(ctx actor.Context, at time.Time) {
	s.lastReport = at
	if s.deps.Idle != nil {
		ctx.Send(s.deps.Idle, &idle.Activity{SessionID: s.id, Session: ctx.Self(), At: at})
	}
}

// handleSilent checks the detector's view against the session's own: the
// detector may not have heard of the latest output yet.
func (s *sessionActor) handleSilent(ctx actor.Context, msg *idle.Silent) {
	if s.state != StateRunning {
		return
	}
	silence := time.Since(s.lastOutput)
	if silence < msg.Threshold {
		s.reportActivity(ctx, s.lastOutput)
		return
	}
	now := time.Now()
	s.idleSince = &now
	s.setState(StateIdle)
	s.persist()
	s.deps.Bus.Publish(&event.SessionIdle{
		SessionInfo:   s.eventInfo(),
		SilentSeconds: silence.Seconds(),
		Viewers:       len(s.viewers),
	})
	s.log.Debug("session idle", slog.Duration("silence", silence))
}

// pushLive hands a new chunk, at offsets start up to end, to every viewer
// that is caught up. One pooled copy is shared by all of them.
func (s *sessionActor) pushLive(data []byte, start, end int64) {
	var shared *chunk
	for _, vs := range s.viewers {
		if vs.cursor != start {
			continue // lagging; it catches up from the ring
		}
		if vs.ack && end-vs.acked > int64(s.cfg.AckWindow) {
			continue
		}
		if shared == nil {
			shared = newChunk(data)
		}
		if vs.v.push(Frame{Kind: FrameOutput, Offset: start, Data: shared.data, chunk: shared}) {
			vs.cursor = end
		}
	}
	if shared != nil {
		shared.release()
	}
}

// feed pushes a lagging viewer as much of the ring as its window and ack
// window take, with a gap frame first if it fell behind the ring. A viewer
// of a finished session that has caught up gets the final state and is
// removed.
func (s *sessionActor) feed(vs *viewerState) {
	for vs.cursor < s.ring.End() {
		if vs.cursor < s.ring.Start() {
			vs.v.push(Frame{Kind: FrameGap, Offset: vs.cursor, To: s.ring.Start()})
			vs.cursor = s.ring.Start()
		}
		room := vs.v.room()
		if vs.ack {
			room = min(room, int(vs.acked+int64(s.cfg.AckWindow)-vs.cursor))
		}
		if room <= 0 {
			return
		}
		data, from := s.ring.ReadFrom(vs.cursor, min(room, maxCatchUpFrame))
		if !vs.v.push(Frame{Kind: FrameOutput, Offset: from, Data: data}) {
			return
		}
		vs.cursor = from + int64(len(data))
	}
	if s.state.Finished() {
		s.endViewer(vs)
	}
}

func (s *sessionActor) endViewer(vs *viewerState) {
	vs.v.push(Frame{Kind: FrameState, State: s.state, ExitCode: s.rec.ExitCode})
	vs.v.push(Frame{Kind: FrameEnd})
	delete(s.viewers, vs.v.id)
}

// attach returns the replay from the requested offset and registers the
// viewer at the end of it, in one step, so that the replay and the live
// output meet with no byte lost or repeated.
func (s *sessionActor) attach(ctx actor.Context, msg *attachRequest) *Attachment {
	from := s.ring.Start()
	var gap *Gap
	if msg.opts.Since >= 0 {
		since := min(msg.opts.Since, s.ring.End())
		if since < s.ring.Start() {
			gap = &Gap{From: since, To: s.ring.Start()}
		} else {
			from = since
		}
	}
	replay, _ := s.ring.ReadFrom(from, 0)
	att := &Attachment{
		State: s.state, ExitCode: s.rec.ExitCode, Cols: s.rec.Cols, Rows: s.rec.Rows,
		Gap: gap, Start: from, Replay: replay, End: s.ring.End(),
	}
	if s.state.Finished() {
		return att
	}

	v := msg.viewer
	if !v.bind(ctx.Self()) {
		return att // closed before the actor got to it
	}
	s.viewers[v.id] = &viewerState{v: v, cursor: att.End, ack: msg.opts.Ack, acked: from}
	att.Viewer = v
	return att
}
