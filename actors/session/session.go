package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/opendray/opendray/actors/idle"
	"github.com/opendray/opendray/internal/event"
	"github.com/opendray/opendray/store"
)

const (
	// readBufferSize and readBuffers bound the output in transit between
	// the PTY reader and the actor: when every buffer is queued, the
	// reader stops reading and the PTY applies backpressure to the child.
	readBufferSize = 32 << 10
	readBuffers    = 16
	// maxInputQueued bounds keystrokes accepted but not yet written to
	// the PTY, for a child that does not read its input.
	maxInputQueued = 1 << 20
	// maxCatchUpFrame is the largest output frame sent to a viewer that
	// catches up from the ring.
	maxCatchUpFrame = 64 << 10
	// dbTimeout bounds each database write of a session actor.
	dbTimeout = 5 * time.Second
	// killWait is how long to wait for the process after SIGKILL.
	killWait = 2 * time.Second
)

// sessionActor owns one PTY session: the child process, the PTY, the
// ring, the viewers, the screen child and the state.
//
// Lifecycle: Started inserts the record, starts the process and replies
// to the creator. A process that fails to start stops the actor and leaves
// no record. The session is finished once the process has exited and the
// PTY reader has drained the output. The actor then stays alive, holding
// the ring and screen for replay, until the session is deleted or the
// registry stops. Stopping kills a process that still runs (SIGTERM, then
// SIGKILL after the stop grace) and waits at most StopGrace plus a few
// seconds. The actor is never restarted: its process is gone.
type sessionActor struct {
	cfg   Config
	deps  *Deps
	id    string
	spec  *launchSpec
	reply *actor.PID
	log   *slog.Logger

	rec   store.Session
	state State
	proc  *process
	ring  *ring
	timer *scheduler.TimerScheduler

	// Goroutines: the PTY reader, the process waiter and the input writer.
	free        chan []byte
	stopReader  chan struct{}
	readerDone  chan struct{}
	exited      chan struct{}
	inputs      chan []byte
	inputQueued *atomic.Int64
	writerDone  chan struct{}

	outputOpen     bool
	processRunning bool
	exitCode       int
	stopRequested  bool
	stopWaiters    []*actor.PID

	viewers map[uint64]*viewerState
	screen  screenFeeder

	lastOutput time.Time
	lastReport time.Time
	idleSince  *time.Time
}

// viewerState is the actor's side of a Viewer.
type viewerState struct {
	v      *Viewer
	cursor int64 // offset of the next byte to push
	ack    bool
	acked  int64
}

func newSessionProps(cfg Config, deps *Deps, msg *spawnSession) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &sessionActor{
			cfg:   cfg,
			deps:  deps,
			id:    msg.id,
			spec:  msg.spec,
			reply: msg.replyTo,
			log:   deps.Logger.With(slog.String("session_id", msg.id)),
		}
	}, actor.WithSupervisor(actor.NewOneForOneStrategy(5, time.Minute, actor.DefaultDecider)))
}

func (s *sessionActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		s.start(ctx)
	case *actor.Stopping:
		s.shutdown(ctx)
	case *actor.Terminated:
		s.screen.terminated(msg.Who)

	case *outputChunk:
		s.handleOutput(ctx, msg.buf)
	case *outputClosed:
		s.outputOpen = false
		s.log.Debug("PTY output closed", slog.Any("error", msg.err))
		s.maybeFinish(ctx)
	case *processExited:
		s.handleExit(ctx, msg)
	case *killTimer:
		if s.processRunning {
			s.log.Info("session did not stop within the grace period; sending SIGKILL", slog.Duration("grace", s.cfg.StopGrace))
			s.proc.signalAll(syscall.SIGKILL)
		}
	case *hangupTimer:
		if s.outputOpen {
			// Something the process started still holds the terminal.
			s.proc.signalAll(syscall.SIGKILL)
			s.proc.pty.Close()
		}

	case *idle.Silent:
		s.handleSilent(ctx, msg)

	case *getRequest:
		ctx.Respond(s.details())
	case *stopRequest:
		s.handleStop(ctx)
	case *deleteRequest:
		s.handleDelete(ctx)
	case *inputRequest:
		if err := s.enqueueInput(msg.data); err != nil {
			ctx.Respond(&errorReply{err: err})
			return
		}
		ctx.Respond(&ok{})
	case *resizeRequest:
		if err := s.resize(ctx, msg.cols, msg.rows); err != nil {
			ctx.Respond(&errorReply{err: err})
			return
		}
		info := s.info()
		ctx.Respond(&info)
	case *bufferRequest:
		data, start := s.ring.ReadFrom(0, 0)
		ctx.Respond(&Buffer{Data: data, Start: start, End: s.ring.End()})
	case *snapshotForward:
		s.screen.forwardSnapshot(ctx, s)

	case *attachRequest:
		ctx.Respond(s.attach(ctx, msg))
	case *viewerReady:
		if vs, found := s.viewers[msg.id]; found {
			s.feed(vs)
		}
	case *viewerAck:
		if vs, found := s.viewers[msg.id]; found && vs.ack && msg.offset > vs.acked {
			vs.acked = min(msg.offset, vs.cursor)
			s.feed(vs)
		}
	case *viewerDetach:
		delete(s.viewers, msg.id)
	case *viewerInput:
		if err := s.enqueueInput(msg.data); err != nil {
			s.log.Debug("keystrokes from a viewer dropped", slog.Any("error", err))
		}
	case *viewerResize:
		if err := s.resize(ctx, msg.cols, msg.rows); err != nil {
			s.log.Debug("resize from a viewer ignored", slog.Any("error", err))
		}

	case *screenStarted, *screenFed, *screenCatchUp:
		s.screen.handle(ctx, s, msg)
	}
}

// start inserts the record, starts the process and replies to the creator.
func (s *sessionActor) start(ctx actor.Context) {
	s.timer = scheduler.NewTimerScheduler(ctx)
	s.viewers = map[uint64]*viewerState{}
	s.ring = newRing(s.cfg.RingSize)
	s.rec = store.Session{
		ID: s.id, Name: s.spec.Name, Provider: s.spec.Provider, Command: s.spec.Command,
		Args: s.spec.Args, Cwd: s.spec.Cwd, Cols: s.spec.Cols, Rows: s.spec.Rows,
		State: string(StatePending),
	}
	s.state = StatePending

	dbCtx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if err := s.deps.DB.InsertSession(dbCtx, &s.rec); err != nil {
		s.log.Error("saving a new session failed", slog.Any("error", err))
		s.fail(ctx, fmt.Errorf("creating session: %w", err))
		return
	}
	s.deps.Bus.Publish(&event.SessionCreated{SessionInfo: s.eventInfo()})

	proc, err := startProcess(s.spec)
	if err != nil {
		s.log.Warn("starting the session process failed", slog.String("command", s.spec.Path), slog.Any("error", err))
		if delErr := s.discardRecord(dbCtx); delErr != nil {
			s.log.Error("removing the record of a session that failed to start", slog.Any("error", delErr))
		}
		s.fail(ctx, invalid("starting %q failed: %v; check that it is an executable program", s.spec.Path, err))
		return
	}
	s.proc = proc
	s.processRunning = true
	s.outputOpen = true

	now := time.Now()
	pid := proc.cmd.Process.Pid
	s.rec.PID, s.rec.StartedAt = &pid, &now
	s.setState(StateRunning)
	s.persist()
	s.log.Info("session started", slog.String("provider", s.spec.Provider), slog.String("command", s.spec.Path), slog.Int("pid", pid))

	s.startGoroutines(ctx)
	s.screen.timer = s.timer
	s.screen.start(ctx, s.spec.Cols, s.spec.Rows)

	s.lastOutput, s.lastReport = now, now
	if s.deps.Idle != nil {
		ctx.Send(s.deps.Idle, &idle.Track{SessionID: s.id, Session: ctx.Self(), LastOutput: now})
	}
	s.deps.Bus.Publish(&event.SessionRunning{SessionInfo: s.eventInfo(), PID: pid})

	info := s.info()
	ctx.Send(s.reply, &info)
}

// fail replies to the creator with err and stops the actor.
func (s *sessionActor) fail(ctx actor.Context, err error) {
	ctx.Send(s.reply, &errorReply{err: err})
	s.state = StateEnded
	ctx.Stop(ctx.Self())
}

func (s *sessionActor) discardRecord(ctx context.Context) error {
	s.rec.State = string(StateEnded)
	if err := s.deps.DB.UpdateSession(ctx, &s.rec); err != nil {
		return err
	}
	return s.deps.DB.DeleteSession(ctx, s.id)
}

func (s *sessionActor) startGoroutines(ctx actor.Context) {
	root := ctx.ActorSystem().Root
	self := ctx.Self()

	s.free = make(chan []byte, readBuffers)
	for range readBuffers {
		s.free <- make([]byte, readBufferSize)
	}
	s.stopReader = make(chan struct{})
	s.readerDone = make(chan struct{})
	go readOutput(s.proc.pty, root, self, s.free, s.stopReader, s.readerDone)

	s.exited = make(chan struct{})
	go waitProcess(s.proc, root, self, s.exited)

	s.inputs = make(chan []byte, 1024)
	s.inputQueued = new(atomic.Int64)
	s.writerDone = make(chan struct{})
	go writeInput(s.proc.pty, s.inputs, s.inputQueued, s.writerDone)
}

// readOutput reads the PTY into buffers taken from free and sends each
// chunk to the session actor, which returns the buffer to free. It ends
// when reading fails: EIO once no process holds the terminal open (the
// Linux PTY never returns EOF there), or os.ErrClosed after Close.
func readOutput(pty io.Reader, root *actor.RootContext, self *actor.PID, free chan []byte, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for {
		var buf []byte
		select {
		case buf = <-free:
		case <-stop:
			return
		}
		n, err := pty.Read(buf[:cap(buf)])
		if n > 0 {
			root.Send(self, &outputChunk{buf: buf[:n]})
		} else {
			free <- buf
		}
		if err != nil {
			root.Send(self, &outputClosed{err: err})
			return
		}
	}
}

// waitProcess reaps the process, closes exited and reports the exit code.
func waitProcess(proc *process, root *actor.RootContext, self *actor.PID, exited chan<- struct{}) {
	err := proc.cmd.Wait()
	close(exited)
	root.Send(self, &processExited{code: exitCode(proc.cmd.ProcessState), err: err})
}

// writeInput writes queued keystrokes to the PTY until inputs is closed.
// After a write error it keeps draining, so that the channel never fills
// with writes that will not happen.
func writeInput(pty io.Writer, inputs <-chan []byte, queued *atomic.Int64, done chan<- struct{}) {
	defer close(done)
	var failed error
	for data := range inputs {
		if failed == nil {
			_, failed = pty.Write(data)
		}
		queued.Add(-int64(len(data)))
	}
}

func (s *sessionActor) handleOutput(ctx actor.Context, buf []byte) {
	start := s.ring.End()
	s.ring.Write(buf)
	end := s.ring.End()

	s.noteOutput(ctx)
	s.screen.output(ctx, s, buf, end)
	s.pushLive(buf, start, end)

	s.free <- buf[:cap(buf)]
}

func (s *sessionActor) handleExit(ctx actor.Context, msg *processExited) {
	s.processRunning = false
	s.exitCode = msg.code
	s.log.Debug("session process exited", slog.Int("exit_code", msg.code))
	if s.outputOpen {
		// A leftover child may keep the terminal open, which would keep
		// the reader from ever seeing EIO: hang it up, and kill it if it
		// is still there after the grace period.
		s.proc.signalAll(syscall.SIGHUP)
		s.timer.SendOnce(s.cfg.StopGrace, ctx.Self(), &hangupTimer{})
	}
	s.maybeFinish(ctx)
}

// maybeFinish moves the session to its final state once the process has
// exited and its output is drained.
func (s *sessionActor) maybeFinish(ctx actor.Context) {
	if s.processRunning || s.outputOpen || s.state.Finished() {
		return
	}
	s.closeProcess()
	// The reader has ended, so its buffers can go: a finished session
	// keeps only its ring and screen.
	s.free = nil

	final := StateEnded
	if s.stopRequested {
		final = StateStopped
	}
	s.finish(ctx, final)

	for _, waiter := range s.stopWaiters {
		info := s.info()
		ctx.Send(waiter, &info)
	}
	s.stopWaiters = nil
}

// finish records the final state, publishes it and ends the viewers
// that have caught up.
func (s *sessionActor) finish(ctx actor.Context, final State) {
	now := time.Now()
	code := s.exitCode
	s.rec.ExitCode, s.rec.EndedAt = &code, &now
	s.idleSince = nil
	s.setState(final)
	s.persist()

	if s.deps.Idle != nil {
		ctx.Send(s.deps.Idle, &idle.Untrack{SessionID: s.id})
	}
	if final == StateStopped {
		s.deps.Bus.Publish(&event.SessionStopped{SessionInfo: s.eventInfo(), ExitCode: code})
	} else {
		s.deps.Bus.Publish(&event.SessionEnded{SessionInfo: s.eventInfo(), ExitCode: code})
	}
	s.log.Info("session finished", slog.String("state", string(final)), slog.Int("exit_code", code))

	for _, vs := range s.viewers {
		s.feed(vs)
	}
}

// closeProcess closes the PTY and waits briefly for the input writer.
func (s *sessionActor) closeProcess() {
	s.proc.pty.Close()
	close(s.stopReader)
	close(s.inputs)
	select {
	case <-s.writerDone:
	case <-time.After(time.Second):
		s.log.Warn("PTY input writer did not end within 1s")
	}
}

func (s *sessionActor) handleStop(ctx actor.Context) {
	if s.state.Finished() {
		ctx.Respond(&errorReply{err: newPublicError(ErrWrongState,
			fmt.Sprintf("session %s has already %s; there is nothing to stop", s.id, s.state))})
		return
	}
	s.stopWaiters = append(s.stopWaiters, ctx.Sender())
	if s.stopRequested {
		return
	}
	s.stopRequested = true
	s.log.Info("stopping session", slog.Duration("grace", s.cfg.StopGrace))
	if s.processRunning {
		s.terminate()
		s.timer.SendOnce(s.cfg.StopGrace, ctx.Self(), &killTimer{})
	}
}

// terminate signals every process of the session to exit. It sends
// SIGTERM and also SIGHUP, as a closing terminal would, because
// interactive shells ignore SIGTERM but exit on SIGHUP.
func (s *sessionActor) terminate() {
	s.proc.signalAll(syscall.SIGTERM)
	s.proc.signalAll(syscall.SIGHUP)
}

func (s *sessionActor) handleDelete(ctx actor.Context) {
	if !s.state.Finished() {
		ctx.Respond(&errorReply{err: newPublicError(ErrWrongState,
			fmt.Sprintf("session %s is %s; stop it before deleting it", s.id, s.state))})
		return
	}
	dbCtx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if err := s.deps.DB.DeleteSession(dbCtx, s.id); err != nil && !errors.Is(err, store.ErrSessionNotFound) {
		ctx.Respond(&errorReply{err: fmt.Errorf("deleting session %s: %w", s.id, err)})
		return
	}
	s.deps.Bus.Publish(&event.SessionDeleted{SessionInfo: s.eventInfo()})
	// The registry hears of it before the requester does, so a request
	// that follows the reply no longer reaches this actor.
	ctx.Send(ctx.Parent(), &sessionDeleted{id: s.id})
	info := s.info()
	ctx.Respond(&info)
	ctx.Stop(ctx.Self())
}

// shutdown runs in Stopping: it ends a process that still runs, within
// StopGrace plus killWait, and ends every viewer.
func (s *sessionActor) shutdown(ctx actor.Context) {
	if s.proc != nil && !s.state.Finished() {
		if s.processRunning {
			s.stopRequested = true
			s.terminate()
			select {
			case <-s.exited:
			case <-time.After(s.cfg.StopGrace):
				s.log.Info("session did not stop within the grace period; sending SIGKILL", slog.Duration("grace", s.cfg.StopGrace))
				s.proc.signalAll(syscall.SIGKILL)
				select {
				case <-s.exited:
				case <-time.After(killWait):
					s.log.Error("session process survived SIGKILL", slog.Int("pid", s.proc.cmd.Process.Pid))
				}
			}
			s.exitCode = exitCode(s.proc.cmd.ProcessState)
		}
		// Leftover children of the session go too, so the reader ends.
		s.proc.signalAll(syscall.SIGKILL)
		s.closeProcess()
		select {
		case <-s.readerDone:
		case <-time.After(time.Second):
			s.log.Warn("PTY reader did not end within 1s")
		}
		s.finish(ctx, StateStopped)
		for _, waiter := range s.stopWaiters {
			info := s.info()
			ctx.Send(waiter, &info)
		}
	}
	for id, vs := range s.viewers {
		vs.v.push(Frame{Kind: FrameEnd, Shutdown: true})
		delete(s.viewers, id)
	}
}

func (s *sessionActor) enqueueInput(data []byte) error {
	if s.state.Finished() || s.state == StatePending {
		return newPublicError(ErrWrongState,
			fmt.Sprintf("session %s has %s; input is accepted only while it runs", s.id, s.state))
	}
	if len(data) == 0 {
		return nil
	}
	if s.inputQueued.Load()+int64(len(data)) > maxInputQueued {
		return newPublicError(ErrBusy, fmt.Sprintf(
			"session %s has %d bytes of input waiting because its program is not reading; retry later",
			s.id, s.inputQueued.Load()))
	}
	select {
	case s.inputs <- data:
		s.inputQueued.Add(int64(len(data)))
		return nil
	default:
		return newPublicError(ErrBusy, fmt.Sprintf("session %s has too many input writes waiting; retry later", s.id))
	}
}

func (s *sessionActor) resize(ctx actor.Context, cols, rows int) error {
	if s.state.Finished() {
		return newPublicError(ErrWrongState, fmt.Sprintf("session %s has %s; it can no longer be resized", s.id, s.state))
	}
	if cols == s.rec.Cols && rows == s.rec.Rows {
		return nil
	}
	if err := s.proc.setSize(cols, rows); err != nil {
		return fmt.Errorf("resizing the PTY of session %s: %w", s.id, err)
	}
	s.rec.Cols, s.rec.Rows = cols, rows
	s.screen.resize(ctx, cols, rows)
	s.persist()
	return nil
}

// setState changes the state and pushes a state frame to the viewers. A
// final state reaches each viewer from endViewer instead, after the last
// of its output, so that no viewer gets it twice or before the output.
func (s *sessionActor) setState(state State) {
	s.state = state
	s.rec.State = string(state)
	if state.Finished() {
		return
	}
	frame := Frame{Kind: FrameState, State: state, ExitCode: s.rec.ExitCode}
	for _, vs := range s.viewers {
		vs.v.push(frame)
	}
}

// persist writes the record. A failure is logged and not returned: the
// session keeps running and the next change writes the record again.
func (s *sessionActor) persist() {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if err := s.deps.DB.UpdateSession(ctx, &s.rec); err != nil {
		s.log.Error("saving session state failed", slog.String("state", s.rec.State), slog.Any("error", err))
	}
}

func (s *sessionActor) eventInfo() event.SessionInfo {
	return event.SessionInfo{SessionID: s.id, Session: s.rec.Name, Provider: s.rec.Provider}
}

func (s *sessionActor) info() Info { return infoFromRecord(&s.rec) }

func (s *sessionActor) details() *Details {
	d := &Details{Info: s.info(), Viewers: len(s.viewers), IdleSince: s.idleSince}
	// lastOutput starts at the process start for idle detection, so it
	// counts as output only once the ring has some.
	if s.ring.End() > 0 {
		last := s.lastOutput
		d.LastOutputAt = &last
	}
	return d
}

func infoFromRecord(rec *store.Session) Info {
	args := rec.Args
	if args == nil {
		args = []string{}
	}
	return Info{
		ID: rec.ID, Name: rec.Name, Provider: rec.Provider, Command: rec.Command,
		Args: args, Cwd: rec.Cwd, Cols: rec.Cols, Rows: rec.Rows,
		State: State(rec.State), PID: rec.PID, ExitCode: rec.ExitCode,
		CreatedAt: rec.CreatedAt, StartedAt: rec.StartedAt, EndedAt: rec.EndedAt,
	}
}
