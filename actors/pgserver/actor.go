package pgserver

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// StartTimeout bounds initdb plus the server's start-up.
const StartTimeout = 90 * time.Second

// StopTimeout is the server's stop budget.
const StopTimeout = 10 * time.Second

// Instance is the embedded server as main uses it: the actor's props and,
// once the supervisor started the actor, the start result and the URL.
type Instance struct {
	layout Layout
	logger *slog.Logger

	// mu guards the fields below it.
	mu       sync.Mutex
	startErr error
	started  bool
}

// New prepares an embedded server on layout.
func New(layout Layout, logger *slog.Logger) *Instance {
	return &Instance{layout: layout, logger: logger.With("actor", "postgres")}
}

// URL returns the connection string of the opendray database.
func (i *Instance) URL() string { return i.layout.URL() }

// Err returns why the last start failed, or nil once the server runs.
// It is meaningful after the supervisor's Start returned.
func (i *Instance) Err() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.started && i.startErr == nil {
		return fmt.Errorf("embedded PostgreSQL has not started")
	}
	return i.startErr
}

// Props returns the props of the actor that runs the server.
func (i *Instance) Props() *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &serverActor{instance: i} })
}

// serverExited is sent to the actor when postgres exits on its own.
type serverExited struct{ err error }

// serverActor owns one postgres process. A restart starts a new process on
// the same data folder; nothing else is lost.
type serverActor struct {
	instance *Instance
	server   *server
	stopping bool
}

func (a *serverActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *serverExited:
		if !a.stopping {
			a.instance.logger.Error("embedded PostgreSQL exited unexpectedly", slog.Any("error", msg.err))
			panic(fmt.Sprintf("postgres exited: %v", msg.err))
		}
	case *actor.Stopping:
		a.stopping = true
		if a.server != nil {
			if err := a.server.stop(StopTimeout - time.Second); err != nil {
				a.instance.logger.Error("stopping the embedded PostgreSQL", slog.Any("error", err))
			}
		}
	case *actor.Restarting:
		a.stopping = true
		if a.server != nil {
			a.server.stop(StopTimeout - time.Second)
		}
	}
}

func (a *serverActor) start(ctx actor.Context) {
	i := a.instance
	s := &server{layout: i.layout, logger: i.logger}
	startCtx, cancel := context.WithTimeout(context.Background(), StartTimeout-5*time.Second)
	err := s.start(startCtx)
	cancel()

	i.mu.Lock()
	i.startErr, i.started = err, err == nil
	i.mu.Unlock()
	if err != nil {
		i.logger.Error("embedded PostgreSQL failed to start", slog.Any("error", err))
		return
	}
	a.server = s
	i.logger.Info("embedded PostgreSQL ready", slog.String("socket_dir", i.layout.SocketDir))

	self, root, exited := ctx.Self(), ctx.ActorSystem().Root, s.exited
	go func() {
		<-exited
		root.Send(self, &serverExited{err: s.exitErr})
	}()
}
