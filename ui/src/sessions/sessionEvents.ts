import type { BusEvent, Session, SessionState } from '../api/types';

const STATE_BY_EVENT: Record<string, SessionState> = {
  'session.running': 'running',
  'session.idle': 'idle',
  'session.ended': 'ended',
  'session.stopped': 'stopped',
};

// Applies a bus event to the session list right away, before the refetch
// that follows it brings the full records. Returns the same array for
// events that neither change a session's state nor remove a session.
export function patchSessions(sessions: Session[], event: BusEvent): Session[] {
  const id = event.session_id;
  if (!id) {
    return sessions;
  }
  if (event.type === 'session.deleted') {
    return sessions.filter((session) => session.id !== id);
  }
  const state = STATE_BY_EVENT[event.type];
  if (state === undefined) {
    return sessions;
  }
  return sessions.map((session) => {
    if (session.id !== id) {
      return session;
    }
    const exitCode = typeof event.exit_code === 'number' ? event.exit_code : session.exit_code;
    return { ...session, state, exit_code: exitCode };
  });
}

// Orders sessions for the list: live ones first, then newest first.
export function sortSessions(sessions: Session[]): Session[] {
  const live = (session: Session) => (session.state === 'ended' || session.state === 'stopped' ? 1 : 0);
  return [...sessions].sort((a, b) => live(a) - live(b) || b.created_at.localeCompare(a.created_at));
}
