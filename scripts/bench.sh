#!/usr/bin/env bash
# Runs bin/opendray-bench against a fresh `bin/opendray serve` on a free
# port of 127.0.0.1, with a temporary HOME and a database of its own, and
# stops the server and drops the database afterwards, also on failure.
#
# Environment:
#   PG_ADMIN_URL        PostgreSQL URL of a user that may create databases
#   BENCH_DATABASE_URL  URL of the database BENCH_DB on that server
#   BENCH_DB            name of the database to create and drop
#   BENCH_FLAGS         extra flags for opendray-bench, for example
#                       "-measures echo,replay -rounds 1"
set -euo pipefail

cd "$(dirname "$0")/.."

: "${PG_ADMIN_URL:?set PG_ADMIN_URL to the URL of a PostgreSQL user that may create databases}"
: "${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to the URL of the database BENCH_DB}"
: "${BENCH_DB:?set BENCH_DB to the name of the database to create}"
server=bin/opendray
driver=bin/opendray-bench
read -r -a driver_flags <<<"${BENCH_FLAGS:-}"

# The server opens one PTY per session and the driver one per baseline
# shell, 500 of each by default, besides sockets and files.
# NOTE: sized for the default -idle-sessions 500. A larger value in
# BENCH_FLAGS needs more of both than these checks ask for.
need_fds=4096
need_ptys=1100

workdir=$(mktemp -d "${TMPDIR:-/tmp}/opendray-bench.XXXXXX")
server_pid=""
database_created=""

# stop_server sends SIGTERM and waits up to 20 s, the server's 15 s
# shutdown window plus a margin. After that it kills the server and the
# process groups of its sessions, which a drain would have stopped.
stop_server() {
	local pid=$server_pid
	server_pid=""
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid"
	for _ in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "bench.sh: opendray (pid $pid) did not exit within 20 s of SIGTERM; killing it and its sessions" >&2
		local children
		children=$(ps -o pid= --ppid "$pid" || true)
		kill -KILL "$pid" 2>/dev/null || true
		for child in $children; do
			kill -KILL -- "-$child" 2>/dev/null || kill -KILL "$child" 2>/dev/null || true
		done
	fi
	wait "$pid" 2>/dev/null
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [ -n "$server_pid" ]; then
		stop_server || true
	fi
	if [ -n "$database_created" ]; then
		psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" || true
	fi
	if [ "$status" -ne 0 ] && [ -s "$workdir/server.log" ]; then
		echo "bench.sh: failed; the last lines of the server log:" >&2
		tail -n 40 "$workdir/server.log" >&2
	fi
	rm -rf "$workdir"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

soft_fds=$(ulimit -Sn)
hard_fds=$(ulimit -Hn)
if [ "$soft_fds" != unlimited ] && [ "$soft_fds" -lt "$need_fds" ]; then
	if [ "$hard_fds" != unlimited ] && [ "$hard_fds" -lt "$need_fds" ]; then
		echo "bench.sh: the hard open file limit is $hard_fds, but the benchmark needs $need_fds. Raise it (ulimit -Hn as root, or LimitNOFILE for a service)." >&2
		exit 1
	fi
	ulimit -Sn "$need_fds"
fi
pty_max=$(cat /proc/sys/kernel/pty/max)
pty_used=$(cat /proc/sys/kernel/pty/nr)
if [ $((pty_max - pty_used)) -lt "$need_ptys" ]; then
	echo "bench.sh: $((pty_max - pty_used)) PTYs are free (kernel.pty.max $pty_max, $pty_used in use), but the benchmark needs $need_ptys. Raise kernel.pty.max." >&2
	exit 1
fi

PGOPTIONS='-c client_min_messages=warning' psql "$PG_ADMIN_URL" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB"
database_created=1

port=$("$driver" -free-port)
password="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
mkdir "$workdir/home"

# The server gets none of the calling shell's OPENDRAY_* variables,
# because they would override its defaults, the session idle settings
# among them. SHELL picks the shell of the idle sessions. setsid keeps
# the terminal's Ctrl-C from the server, which would take the SIGTERM of
# cleanup as a second signal and exit without stopping its sessions.
unset_opendray=()
for name in $(compgen -e); do
	case $name in OPENDRAY_*) unset_opendray+=(-u "$name") ;; esac
done
env "${unset_opendray[@]}" \
	HOME="$workdir/home" \
	SHELL=/bin/sh \
	OPENDRAY_LISTEN="127.0.0.1:$port" \
	OPENDRAY_DATABASE_URL="$BENCH_DATABASE_URL" \
	OPENDRAY_ADMIN_PASSWORD="$password" \
	setsid "$server" serve >"$workdir/server.log" 2>&1 &
server_pid=$!
echo "bench.sh: opendray serve started on 127.0.0.1:$port (pid $server_pid), open file limit $(ulimit -Sn)" >&2

env "${unset_opendray[@]}" OPENDRAY_BENCH_PASSWORD="$password" \
	"$driver" -url "http://127.0.0.1:$port" -pid "$server_pid" "${driver_flags[@]}"

pid=$server_pid
stop_server
echo "bench.sh: opendray serve (pid $pid) stopped" >&2
