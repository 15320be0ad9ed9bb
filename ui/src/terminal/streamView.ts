import { formatDuration } from '../format/time';
import type { StreamStatus } from './streamMachine';

// What the terminal page shows for a stream status, kept apart from the
// component so it can be tested without a browser.

export function connectionLabel(status: StreamStatus | null): string {
  switch (status?.phase) {
    case undefined:
    case 'connecting':
      return 'connecting…';
    case 'live':
      return 'live';
    case 'waiting':
      return status.retryDelayMs === null ? 'reconnecting…' : `reconnecting in ${formatDuration(status.retryDelayMs)}`;
    case 'finished':
      return 'stream ended';
    case 'unauthorized':
      return 'signed out';
    case 'not-found':
      return 'session not found';
    case 'rejected':
      return 'rejected by the server';
    case 'closed':
      return 'closed';
  }
}

// Reports whether the page offers a Reconnect button: while a lost
// connection waits out its backoff delay, and after a policy rejection. A
// finished stream gets none because its session ended or was stopped, and
// a new connection would only replay the same output.
export function offersReconnect(status: StreamStatus | null): boolean {
  return status?.phase === 'waiting' || status?.phase === 'rejected';
}

// Returns the server's error or close reason to show above the terminal,
// or null. A finished stream's reason (such as "session ended") is left
// out because the state badge already shows the final state and exit code.
export function streamNotice(status: StreamStatus | null): string | null {
  if (status === null || status.phase === 'live' || status.phase === 'finished') {
    return null;
  }
  return status.message || null;
}

// Reports whether the stream found no session before it ever attached, so
// there is no output to show and the page replaces the terminal with a
// not-found notice. A session that disappears after attaching keeps its
// output on screen.
export function sessionMissing(status: StreamStatus | null): boolean {
  return status?.phase === 'not-found' && status.offset === null;
}
