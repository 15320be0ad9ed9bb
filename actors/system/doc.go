// Package system is the root supervisor of opendray's actor tree.
//
// A Supervisor owns an ordered list of children, each described by a
// ChildSpec: a name, the props that build it, a stop budget and a restart
// policy. Start spawns one child and returns once the child has processed
// its Started message, so a child that prepares a dependency (the embedded
// PostgreSQL, for example) is ready when Start returns. Stop stops the
// children in reverse start order, each within its own budget, logs every
// child that overran with its name and the time it took, and goes on.
//
// protoactor's StopFuture and PoisonFuture wait a fixed 10 s, so the
// supervisor does not use them: it poisons a child (queued messages are
// handled first) and waits for the Terminated notice itself.
//
// The package depends on no concrete subsystem: main passes it the specs.
package system
