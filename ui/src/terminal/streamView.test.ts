import { describe, expect, it } from 'vitest';
import { StreamMachine, type StreamPhase, type StreamStatus } from './streamMachine';
import { connectionLabel, offersReconnect, sessionMissing, streamNotice } from './streamView';

function status(phase: StreamPhase, changes: Partial<StreamStatus> = {}): StreamStatus {
  return {
    phase,
    sessionState: null,
    exitCode: null,
    offset: null,
    replayed: false,
    attempt: 0,
    retryDelayMs: null,
    message: null,
    ...changes,
  };
}

function machine() {
  return new StreamMachine({ backoff: { initialMs: 500, maxMs: 8000, jitter: 0 }, random: () => 0.5 });
}

// Replays the stream of a session that finished before the page opened:
// attach, output, the final state frame and a normal close.
function finishedStream(state: 'ended' | 'stopped', exitCode: number): StreamStatus {
  const m = machine();
  m.onConnecting();
  m.onOpen();
  m.onControl({ type: 'attached', offset: 0, state, cols: 80, rows: 24, exit_code: exitCode });
  m.onOutput(new TextEncoder().encode('last words\r\n'));
  m.onControl({ type: 'offset', offset: 12 });
  m.onControl({ type: 'state', state, exit_code: exitCode });
  m.onClose(1000, 'session ended');
  return m.snapshot();
}

describe('offersReconnect', () => {
  const cases: [StreamPhase, boolean][] = [
    ['connecting', false],
    ['live', false],
    ['waiting', true],
    ['finished', false],
    ['unauthorized', false],
    ['not-found', false],
    ['rejected', true],
    ['closed', false],
  ];

  for (const [phase, expected] of cases) {
    it(`is ${expected} for phase ${phase}`, () => {
      expect(offersReconnect(status(phase))).toBe(expected);
    });
  }

  it('is false before the first status', () => {
    expect(offersReconnect(null)).toBe(false);
  });

  it('is false for an ended session', () => {
    const final = finishedStream('ended', 0);
    expect(final.phase).toBe('finished');
    expect(offersReconnect(final)).toBe(false);
  });

  it('is false for a stopped session', () => {
    const final = finishedStream('stopped', 143);
    expect(final.phase).toBe('finished');
    expect(offersReconnect(final)).toBe(false);
  });

  it('is true after a live session loses its connection', () => {
    const m = machine();
    m.onConnecting();
    m.onOpen();
    m.onControl({ type: 'attached', offset: 0, state: 'running', exit_code: null });
    m.onClose(1006, '');
    expect(offersReconnect(m.snapshot())).toBe(true);
  });

  it('is true while the gateway shuts down', () => {
    const m = machine();
    m.onConnecting();
    m.onOpen();
    m.onControl({ type: 'attached', offset: 0, state: 'running', exit_code: null });
    m.onClose(1001, 'going away');
    expect(offersReconnect(m.snapshot())).toBe(true);
  });
});

describe('streamNotice', () => {
  it('omits the close reason of a finished stream', () => {
    const final = finishedStream('stopped', 143);
    expect(final.message).toBe('session ended');
    expect(streamNotice(final)).toBeNull();
  });

  it('shows the reason of a lost connection', () => {
    expect(streamNotice(status('waiting', { message: 'going away' }))).toBe('going away');
  });

  it('shows the reason of a rejection', () => {
    expect(streamNotice(status('rejected', { message: 'policy violation' }))).toBe('policy violation');
  });

  it('omits messages while live', () => {
    expect(streamNotice(status('live', { message: 'stale' }))).toBeNull();
  });

  it('omits an empty message', () => {
    expect(streamNotice(status('waiting', { message: '' }))).toBeNull();
    expect(streamNotice(null)).toBeNull();
  });
});

describe('sessionMissing', () => {
  it('is true for a not-found close before any attach', () => {
    const m = machine();
    m.onConnecting();
    m.onOpen();
    m.onClose(4404, 'session deleted');
    expect(sessionMissing(m.snapshot())).toBe(true);
  });

  it('is true for a failed access check before any attach', () => {
    const m = machine();
    m.onConnecting();
    m.onClose(1006, '');
    m.fail('not-found', 'session not found');
    expect(sessionMissing(m.snapshot())).toBe(true);
  });

  it('is false once output was attached', () => {
    const m = machine();
    m.onConnecting();
    m.onOpen();
    m.onControl({ type: 'attached', offset: 40, state: 'running', exit_code: null });
    m.onClose(1006, '');
    m.fail('not-found', 'session not found');
    expect(m.snapshot().phase).toBe('not-found');
    expect(sessionMissing(m.snapshot())).toBe(false);
  });

  it('is false for other phases', () => {
    expect(sessionMissing(null)).toBe(false);
    expect(sessionMissing(status('connecting'))).toBe(false);
    expect(sessionMissing(status('rejected'))).toBe(false);
    expect(sessionMissing(status('finished'))).toBe(false);
  });
});

describe('connectionLabel', () => {
  it('labels each phase', () => {
    expect(connectionLabel(null)).toBe('connecting…');
    expect(connectionLabel(status('live'))).toBe('live');
    expect(connectionLabel(status('finished'))).toBe('stream ended');
    expect(connectionLabel(status('not-found'))).toBe('session not found');
  });

  it('shows the delay before a reconnect', () => {
    expect(connectionLabel(status('waiting', { retryDelayMs: 4000 }))).toBe('reconnecting in 4s');
    expect(connectionLabel(status('waiting'))).toBe('reconnecting…');
  });
});
