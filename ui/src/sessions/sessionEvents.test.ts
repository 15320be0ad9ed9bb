import { describe, expect, it } from 'vitest';
import type { Session } from '../api/types';
import { applyIdleEvent, idleSince } from './idle';
import { patchSessions, sortSessions } from './sessionEvents';

function session(id: string, overrides: Partial<Session> = {}): Session {
  return {
    id,
    name: id,
    provider: 'shell',
    command: 'bash',
    args: [],
    cwd: '/tmp',
    cols: 80,
    rows: 24,
    state: 'running',
    pid: 1,
    exit_code: null,
    created_at: '2026-01-01T00:00:00Z',
    started_at: '2026-01-01T00:00:00Z',
    ended_at: null,
    ...overrides,
  };
}

describe('patchSessions', () => {
  it('applies state changes from events', () => {
    const list = [session('a'), session('b')];
    const idle = patchSessions(list, { type: 'session.idle', time: '2026-01-01T00:01:00Z', session_id: 'a' });
    expect(idle.map((item) => item.state)).toEqual(['idle', 'running']);

    const ended = patchSessions(idle, { type: 'session.ended', time: '2026-01-01T00:02:00Z', session_id: 'b', exit_code: 2 });
    expect(ended[1]).toMatchObject({ state: 'ended', exit_code: 2 });
  });

  it('removes deleted sessions', () => {
    const list = [session('a'), session('b')];
    expect(patchSessions(list, { type: 'session.deleted', time: '', session_id: 'a' }).map((item) => item.id)).toEqual(['b']);
  });

  it('returns the same list for events it cannot apply', () => {
    const list = [session('a')];
    expect(patchSessions(list, { type: 'admin.login_success', time: '' })).toBe(list);
    expect(patchSessions(list, { type: 'session.created', time: '', session_id: 'new' })).toBe(list);
  });
});

describe('sortSessions', () => {
  it('lists live sessions first, newest first', () => {
    const list = [
      session('old-ended', { state: 'ended', created_at: '2026-01-03T00:00:00Z' }),
      session('old-running', { created_at: '2026-01-01T00:00:00Z' }),
      session('new-running', { created_at: '2026-01-02T00:00:00Z' }),
    ];
    expect(sortSessions(list).map((item) => item.id)).toEqual(['new-running', 'old-running', 'old-ended']);
  });
});

describe('idle time', () => {
  it('derives the silence start from an idle event', () => {
    const map = applyIdleEvent(new Map(), { type: 'session.idle', time: '2026-01-01T00:01:00Z', session_id: 'a', silent_s: 30 });
    expect(map.get('a')).toBe(Date.parse('2026-01-01T00:00:30Z'));
    expect(idleSince(session('a', { state: 'idle' }), map)).toBe(Date.parse('2026-01-01T00:00:30Z'));
  });

  it('forgets the silence when output resumes', () => {
    const idle = applyIdleEvent(new Map(), { type: 'session.idle', time: '2026-01-01T00:01:00Z', session_id: 'a', silent_s: 30 });
    const running = applyIdleEvent(idle, { type: 'session.running', time: '2026-01-01T00:02:00Z', session_id: 'a' });
    expect(running.has('a')).toBe(false);
  });

  it('prefers the last output time from the record', () => {
    const record = session('a', { state: 'idle', last_output_at: '2026-01-01T00:00:10Z' });
    const map = new Map([['a', Date.parse('2026-01-01T00:00:30Z')]]);
    expect(idleSince(record, map)).toBe(Date.parse('2026-01-01T00:00:10Z'));
  });

  it('has no idle time for finished sessions', () => {
    expect(idleSince(session('a', { state: 'ended', last_output_at: '2026-01-01T00:00:10Z' }), new Map())).toBeNull();
  });
});
