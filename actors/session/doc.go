// Package session runs opendray's PTY sessions: the registry actor, one
// actor per session, the screen emulator of each session and the viewer
// queues of its streams. It contains nothing about HTTP: package gateway
// and gateway/terminal translate requests into Client calls.
//
// A session actor owns its process, which runs on a new PTY in a session
// and process group of its own. It also owns a ring of the most recent
// output addressed by absolute byte offsets, a vt10x screen child fed off
// the output path, and the attached viewers. It persists the session's
// state in the sessions table and publishes each change on the event
// bus. The PTY reader goroutine
// only reads and sends chunks to the actor; viewers each have a bounded
// window, so no viewer slows the session or another viewer.
//
// Wiring, in start order:
//
//	cfg := session.Defaults() // then apply session.idle_threshold and idle_interval
//	idlePID := spawn(idle.NewProps(cfg.IdleConfig(logger)))
//	deps := session.Deps{DB: db, Bus: bus, Idle: idlePID, Logger: logger}
//	registryPID := spawn(session.NewRegistryProps(cfg, deps))
//	client := session.NewClient(system, registryPID, cfg, deps)
//
// At shutdown, call client.StopAll with the budget for sessions, which
// stops every session in parallel (SIGTERM and SIGHUP, SIGKILL after
// Config.StopGrace), then stop the registry and the idle detector. The
// registry must not be restarted: a restart stops every session. Session
// actors are never restarted either, because their process is gone; a
// panic in a screen restarts only that screen.
package session
