import type { BusEvent, Session } from '../api/types';

// Works out how long a session has been without output, from the session
// record and the idle events seen on the events feed.

// Idle start times learnt from session.idle events, by session id.
export type IdleSinceMap = ReadonlyMap<string, number>;

// Updates the idle start times for one bus event and returns the new map,
// or the same map when the event changes nothing.
export function applyIdleEvent(map: IdleSinceMap, event: BusEvent): IdleSinceMap {
  const id = event.session_id;
  if (!id) {
    return map;
  }
  if (event.type === 'session.idle') {
    const at = Date.parse(event.time);
    if (Number.isNaN(at)) {
      return map;
    }
    // silent_s is how long the session had been silent when the event fired.
    const silentSeconds = typeof event.silent_s === 'number' ? event.silent_s : 0;
    const next = new Map(map);
    next.set(id, at - silentSeconds * 1000);
    return next;
  }
  if (map.has(id) && (event.type === 'session.running' || event.type === 'session.deleted')) {
    const next = new Map(map);
    next.delete(id);
    return next;
  }
  return map;
}

// Returns when the session's current silence began, in epoch milliseconds,
// or null when that is unknown or the session has finished. The time of the
// last output is the best source. The time the session turned idle comes
// later than that by the idle threshold. The fallback is an idle event's
// time minus its silent_s.
export function idleSince(session: Session, events: IdleSinceMap): number | null {
  if (session.state !== 'idle' && session.state !== 'running') {
    return null;
  }
  for (const field of [session.last_output_at, session.idle_since]) {
    if (field) {
      const at = Date.parse(field);
      if (!Number.isNaN(at)) {
        return at;
      }
    }
  }
  return session.state === 'idle' ? (events.get(session.id) ?? null) : null;
}
