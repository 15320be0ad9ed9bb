package main

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/opendray/opendray/actors/audit"
	"github.com/opendray/opendray/actors/idle"
	"github.com/opendray/opendray/actors/notify"
	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/actors/system"
	"github.com/opendray/opendray/ui"
)

// Names of the children that others address before they start. The root
// supervisor spawns each child as root/<name>, so their PIDs are known in
// advance and the gateway's clients can exist before the database is reachable.
const (
	idleName     = "idle"
	sessionsName = "sessions"
)

// childPID returns the PID the supervisor will give the child name.
func childPID(system *actor.ActorSystem, name string) *actor.PID {
	return system.NewLocalPID("root/" + name)
}

// prepareSessions builds the session configuration and the client the
// gateway and the notification hub use.
func (p *gatewayProcess) prepareSessions() {
	cfg := session.Defaults()
	cfg.IdleThreshold = p.cfg.Session.IdleThreshold
	cfg.IdleInterval = p.cfg.Session.IdleInterval
	p.sessionCfg = cfg
	p.sessionDeps = session.Deps{
		DB:     p.db,
		Bus:    p.bus,
		Idle:   childPID(p.system, idleName),
		Logger: p.logger,
	}
	p.sessions = session.NewClient(p.system, childPID(p.system, sessionsName), cfg, p.sessionDeps)
}

// subsystemSpecs returns, in start order, the children that need the
// database. The supervisor stops them in reverse order. Sessions stop
// first, so their processes get SIGTERM and their viewers are closed. The
// notification hub stops after them and delivers what they produced, and
// the audit sink stops last, so it writes every event of the drain.
func (p *gatewayProcess) subsystemSpecs() ([]system.ChildSpec, error) {
	hubProps, err := notify.NewProps(notify.Defaults(), notify.Deps{
		Bus:      p.bus,
		Sessions: notifySessions{client: p.sessions},
		Channels: p.channels,
		Logger:   p.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("notification hub: %w", err)
	}
	return []system.ChildSpec{
		{
			Name:        "audit",
			Props:       audit.Props(audit.Options{Bus: p.bus, Writer: p.db, Logger: p.logger}),
			StopTimeout: audit.StopBudget,
			Restart:     system.Restart(5, time.Minute),
		},
		{
			Name:        "notify",
			Props:       hubProps,
			StopTimeout: notify.Defaults().ShutdownTimeout + time.Second,
			Restart:     system.Restart(5, time.Minute),
		},
		{
			Name:        idleName,
			Props:       idle.NewProps(p.sessionCfg.IdleConfig(p.logger)),
			StopTimeout: 2 * time.Second,
			Restart:     system.Restart(5, time.Minute),
		},
		{
			// A registry restart would stop every session, so it never restarts.
			Name:        sessionsName,
			Props:       session.NewRegistryProps(p.sessionCfg, p.sessionDeps),
			StopTimeout: p.sessionCfg.StopGrace + 3*time.Second,
			Restart:     system.Never,
		},
	}, nil
}

// startSubsystems starts every spec of subsystemSpecs in order.
func (p *gatewayProcess) startSubsystems(ctx context.Context) error {
	specs, err := p.subsystemSpecs()
	if err != nil {
		return err
	}
	for _, spec := range specs {
		if _, err := p.sup.Start(ctx, spec); err != nil {
			return err
		}
	}
	return nil
}

// adminUI returns the embedded admin UI. A binary built without the UI
// carries a page at index.html that explains how to build it.
func adminUI() fs.FS {
	assets, _ := ui.Assets()
	return assets
}
