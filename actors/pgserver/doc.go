// Package pgserver runs a private PostgreSQL server from the host's own
// binaries, so a first run of opendray needs no database set-up.
//
// The server keeps its data under ~/.opendray/pg (or /var/lib/opendray/pg
// when opendray runs as root, since PostgreSQL refuses to run as root and
// the unprivileged postgres system user cannot enter root's home). It
// listens on a unix socket in a 0700 folder only, never on TCP, and trusts
// local connections: only the owning user (and root) can reach the socket.
//
// The actor is the first child of the tree and the last to stop. Started
// initialises the data folder when needed, starts postgres and returns once
// it accepts connections and the opendray database exists. Stopping requests
// a fast shutdown (SIGINT) and escalates to SIGQUIT and SIGKILL if the
// server outlives its budget. If postgres exits on its own, the actor
// panics so that its restart policy starts the server again.
package pgserver
