import { describe, expect, it } from 'vitest';
import { StreamMachine, parseServerMessage, type OutputChunk } from './streamMachine';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (chunk: OutputChunk | null) => (chunk === null ? null : new TextDecoder().decode(chunk.data));

// A machine whose backoff has no jitter, so delays are exact.
function machine(ackThresholdBytes = 1024) {
  return new StreamMachine({ backoff: { initialMs: 500, maxMs: 8000, jitter: 0 }, random: () => 0.5, ackThresholdBytes });
}

function attach(m: StreamMachine, offset: number, state: 'running' | 'ended' | 'stopped' | 'idle' = 'running') {
  m.onConnecting();
  m.onOpen();
  return m.onControl({ type: 'attached', offset, state, cols: 80, rows: 24, exit_code: null });
}

describe('StreamMachine offsets', () => {
  it('asks for no offset before the first attach', () => {
    expect(machine().connectParams()).toEqual({ flow: 'ack' });
  });

  it('tracks the offset reached through output frames', () => {
    const m = machine();
    attach(m, 100);
    expect(m.snapshot().offset).toBe(100);

    const first = m.onOutput(bytes('hello'));
    expect(text(first)).toBe('hello');
    expect(first?.endOffset).toBe(105);
    m.onOutput(bytes(' world'));
    expect(m.snapshot().offset).toBe(111);
    expect(m.connectParams()).toEqual({ since: 111, flow: 'ack' });
  });

  it('resumes from the offset reached after a reconnect', () => {
    const m = machine();
    attach(m, 0);
    m.onOutput(bytes('abcdef'));
    m.onClose(1006, '');

    expect(m.connectParams()).toEqual({ since: 6, flow: 'ack' });
    const outcome = attach(m, 6);
    expect(outcome.notice).toBeNull();
    expect(text(m.onOutput(bytes('gh')))).toBe('gh');
    expect(m.snapshot().offset).toBe(8);
  });

  it('drops bytes a replay sends twice', () => {
    const m = machine();
    attach(m, 0);
    m.onOutput(bytes('abcdef'));
    m.onClose(1006, '');

    // The server replays from offset 2 although the client reached 6.
    attach(m, 2);
    expect(m.onOutput(bytes('cd'))).toBeNull();
    const partial = m.onOutput(bytes('efgh'));
    expect(text(partial)).toBe('gh');
    expect(partial?.endOffset).toBe(8);
    expect(m.snapshot().offset).toBe(8);
  });

  it('keeps the received frame when nothing is cut', () => {
    const m = machine();
    attach(m, 0);
    const frame = bytes('xyz');
    expect(m.onOutput(frame)?.data).toBe(frame);
  });

  it('passes split UTF-8 sequences through as bytes', () => {
    const m = machine();
    attach(m, 0);
    const euro = bytes('€');
    const first = m.onOutput(euro.subarray(0, 1));
    const second = m.onOutput(euro.subarray(1));
    expect(Array.from(first!.data)).toEqual([0xe2]);
    expect(Array.from(second!.data)).toEqual([0x82, 0xac]);
    expect(m.snapshot().offset).toBe(3);
  });

  it('marks the replay done on the offset message', () => {
    const m = machine();
    attach(m, 0);
    expect(m.snapshot().replayed).toBe(false);
    m.onControl({ type: 'offset', offset: 0 });
    expect(m.snapshot().replayed).toBe(true);
    m.onConnecting();
    expect(m.snapshot().replayed).toBe(false);
  });
});

describe('StreamMachine gaps', () => {
  it('reports a gap frame and continues from its end', () => {
    const m = machine();
    attach(m, 0);
    m.onOutput(bytes('abc'));
    m.onClose(1006, '');

    attach(m, 3);
    const outcome = m.onControl({ type: 'gap', from: 3, to: 1000 });
    expect(outcome.notice).toContain('997 bytes');
    expect(m.snapshot().offset).toBe(1000);
    const chunk = m.onOutput(bytes('z'));
    expect(text(chunk)).toBe('z');
    expect(chunk?.endOffset).toBe(1001);
  });

  it('reports an attach that starts past the offset reached as a gap', () => {
    const m = machine();
    attach(m, 0);
    m.onOutput(bytes('abc'));
    m.onClose(1006, '');

    const outcome = attach(m, 50);
    expect(outcome.notice).toContain('47 bytes');
    expect(m.snapshot().offset).toBe(50);
  });

  it('does not report history before the first attach as a gap', () => {
    const m = machine();
    expect(attach(m, 5_000_000).notice).toBeNull();
    expect(m.snapshot().offset).toBe(5_000_000);
  });

  it('ignores a gap that ends before the offset reached', () => {
    const m = machine();
    attach(m, 0);
    m.onOutput(bytes('abcdef'));
    expect(m.onControl({ type: 'gap', from: 1, to: 4 }).notice).toBeNull();
    expect(m.snapshot().offset).toBe(6);
  });
});

describe('StreamMachine reconnects', () => {
  it('backs off exponentially up to the maximum', () => {
    const m = machine();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      m.onConnecting();
      m.onOpen();
      const decision = m.onClose(1006, '');
      expect(decision.action).toBe('reconnect');
      if (decision.action === 'reconnect') delays.push(decision.delayMs);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(m.snapshot().phase).toBe('waiting');
    expect(m.snapshot().attempt).toBe(6);
  });

  it('resets the backoff after a successful attach', () => {
    const m = machine();
    m.onConnecting();
    m.onClose(1006, '');
    m.onConnecting();
    m.onClose(1006, '');
    attach(m, 0);
    expect(m.snapshot().attempt).toBe(0);
    const decision = m.onClose(1001, 'going away');
    expect(decision).toEqual({ action: 'reconnect', delayMs: 500, checkAccess: false });
  });

  it('asks for an access check when the handshake failed', () => {
    const m = machine();
    m.onConnecting();
    const decision = m.onClose(1006, '');
    expect(decision).toMatchObject({ action: 'reconnect', checkAccess: true });
  });

  it('stops after a normal close of an ended session', () => {
    const m = machine();
    attach(m, 0, 'running');
    m.onOutput(bytes('bye\r\n'));
    m.onControl({ type: 'state', state: 'ended', exit_code: 3 });
    const decision = m.onClose(1000, '');

    expect(decision).toEqual({ action: 'stop', kind: 'normal' });
    const status = m.snapshot();
    expect(status.phase).toBe('finished');
    expect(status.sessionState).toBe('ended');
    expect(status.exitCode).toBe(3);
    expect(m.isFinal()).toBe(true);
  });

  it('takes the state from the attach of a finished session', () => {
    const m = machine();
    m.onConnecting();
    m.onOpen();
    m.onControl({ type: 'attached', offset: 0, state: 'stopped', exit_code: 143 });
    expect(m.onClose(1000, '')).toEqual({ action: 'stop', kind: 'normal' });
    expect(m.snapshot()).toMatchObject({ phase: 'finished', sessionState: 'stopped', exitCode: 143 });
  });

  it('stops on an unauthorized close', () => {
    const m = machine();
    attach(m, 0);
    expect(m.onClose(4001, 'token revoked')).toEqual({ action: 'stop', kind: 'unauthorized' });
    expect(m.snapshot().phase).toBe('unauthorized');
    expect(m.snapshot().message).toBe('token revoked');
  });

  it('stops on a not-found close', () => {
    const m = machine();
    m.onConnecting();
    expect(m.onClose(4404, 'no such session')).toEqual({ action: 'stop', kind: 'not-found' });
  });

  it('does not reconnect once closed by the client', () => {
    const m = machine();
    attach(m, 0);
    m.close();
    expect(m.onClose(1006, '').action).toBe('stop');
    expect(m.snapshot().phase).toBe('closed');
  });
});

describe('StreamMachine acknowledgements', () => {
  it('acknowledges at once when the threshold is reached', () => {
    const m = machine(10);
    attach(m, 0);
    m.onOutput(bytes('12345'));
    expect(m.onProcessed(5)).toBeNull();
    m.onOutput(bytes('67890'));
    expect(m.onProcessed(10)).toBe(10);
    expect(m.flushAck()).toBeNull();
  });

  it('flushes a small unacknowledged amount', () => {
    const m = machine(1024);
    attach(m, 0);
    m.onOutput(bytes('abc'));
    expect(m.onProcessed(3)).toBeNull();
    expect(m.flushAck()).toBe(3);
    expect(m.flushAck()).toBeNull();
  });

  it('counts acknowledgements from the connection start', () => {
    const m = machine(10);
    attach(m, 0);
    m.onOutput(bytes('abcdefgh'));
    m.onClose(1006, '');

    attach(m, 8);
    // The write callback of bytes from the old connection arrives late:
    // the new connection starts at 8, so there is nothing to acknowledge.
    expect(m.onProcessed(8)).toBeNull();
    expect(m.flushAck()).toBeNull();

    m.onOutput(bytes('ij'));
    expect(m.onProcessed(10)).toBeNull();
    expect(m.flushAck()).toBe(10);
  });

  it('sends no acknowledgement while disconnected', () => {
    const m = machine(1);
    attach(m, 0);
    m.onOutput(bytes('abc'));
    m.onClose(1006, '');
    expect(m.onProcessed(3)).toBeNull();
    expect(m.flushAck()).toBeNull();
  });
});

describe('parseServerMessage', () => {
  it('parses known messages', () => {
    expect(parseServerMessage('{"type":"attached","offset":12,"state":"running","cols":80,"rows":24,"exit_code":null}')).toMatchObject({
      type: 'attached',
      offset: 12,
    });
    expect(parseServerMessage('{"type":"gap","from":1,"to":9}')).toEqual({ type: 'gap', from: 1, to: 9 });
    expect(parseServerMessage('{"type":"state","state":"idle","exit_code":null}')).toMatchObject({ type: 'state', state: 'idle' });
  });

  it('rejects malformed messages', () => {
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage('{"type":"gap","from":1}')).toBeNull();
    expect(parseServerMessage('{"type":"attached","offset":"12"}')).toBeNull();
    expect(parseServerMessage('{"type":"unknown"}')).toBeNull();
    expect(parseServerMessage('[1,2]')).toBeNull();
  });
});
