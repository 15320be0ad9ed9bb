import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamConnection, type AccessCheck, type SocketLike } from './streamConnection';
import { StreamMachine, type StreamStatus } from './streamMachine';

class FakeSocket implements SocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  sent: (string | Uint8Array)[] = [];
  closedWith: number | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  text(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent);
  }

  binary(text: string): void {
    this.onmessage?.({ data: new TextEncoder().encode(text).buffer } as MessageEvent);
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }

  controlMessages(): Record<string, unknown>[] {
    return this.sent.filter((item): item is string => typeof item === 'string').map((item) => JSON.parse(item));
  }
}

interface Harness {
  connection: StreamConnection;
  sockets: FakeSocket[];
  written: string[];
  notices: string[];
  statuses: StreamStatus[];
  unauthorized: string[];
  pendingWrites: (() => void)[];
  access: { result: AccessCheck };
}

function harness(): Harness {
  const sockets: FakeSocket[] = [];
  const written: string[] = [];
  const notices: string[] = [];
  const statuses: StreamStatus[] = [];
  const unauthorized: string[] = [];
  const pendingWrites: (() => void)[] = [];
  const access = { result: 'ok' as AccessCheck };
  const decoder = new TextDecoder();

  const connection = new StreamConnection({
    url: (params) => `ws://test/stream?${new URLSearchParams(params as Record<string, string>).toString()}`,
    token: () => 'secret',
    checkAccess: async () => access.result,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    machine: new StreamMachine({ backoff: { initialMs: 100, maxMs: 1000, jitter: 0 }, ackThresholdBytes: 8 }),
    ackDelayMs: 20,
    sink: {
      write: (data, done) => {
        written.push(decoder.decode(data));
        pendingWrites.push(done);
      },
      notice: (text) => notices.push(text),
      status: (status) => statuses.push(status),
      unauthorized: (message) => unauthorized.push(message),
    },
  });
  return { connection, sockets, written, notices, statuses, unauthorized, pendingWrites, access };
}

function last<T>(items: T[]): T {
  const item = items[items.length - 1];
  if (item === undefined) throw new Error('empty list');
  return item;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamConnection', () => {
  it('opens the stream with the token and flow control', () => {
    const h = harness();
    h.connection.start();
    const url = new URL(h.sockets[0]!.url);
    expect(url.searchParams.get('token')).toBe('secret');
    expect(url.searchParams.get('flow')).toBe('ack');
    expect(url.searchParams.has('since')).toBe(false);
    expect(h.sockets[0]!.binaryType).toBe('arraybuffer');
  });

  it('sends the terminal size on attach', () => {
    const h = harness();
    h.connection.resize(100, 30);
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    socket.text({ type: 'attached', offset: 0, state: 'running', cols: 80, rows: 24, exit_code: null });
    expect(socket.controlMessages()).toContainEqual({ type: 'resize', cols: 100, rows: 30 });

    h.connection.resize(120, 40);
    expect(last(socket.controlMessages())).toEqual({ type: 'resize', cols: 120, rows: 40 });
  });

  it('reconnects with since after an abnormal close and writes nothing twice', async () => {
    const h = harness();
    h.connection.start();
    const first = h.sockets[0]!;
    first.open();
    first.text({ type: 'attached', offset: 0, state: 'running' });
    first.binary('hello ');
    first.serverClose(1006);

    expect(h.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(h.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(2);

    const second = h.sockets[1]!;
    expect(new URL(second.url).searchParams.get('since')).toBe('6');
    second.open();
    // A server that replays from 0 anyway: the repeated bytes are cut.
    second.text({ type: 'attached', offset: 0, state: 'running' });
    second.binary('hello world');
    expect(h.written.join('')).toBe('hello world');
  });

  it('does not reconnect after a normal close of an ended session', async () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    socket.text({ type: 'attached', offset: 0, state: 'running' });
    socket.binary('done\r\n');
    socket.text({ type: 'state', state: 'ended', exit_code: 0 });
    socket.serverClose(1000);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(last(h.statuses)).toMatchObject({ phase: 'finished', sessionState: 'ended', exitCode: 0 });
  });

  it('keeps a finished stream closed on retryNow', async () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    socket.text({ type: 'attached', offset: 0, state: 'stopped', exit_code: 143 });
    socket.binary('replayed output\r\n');
    socket.text({ type: 'offset', offset: 17 });
    socket.text({ type: 'state', state: 'stopped', exit_code: 143 });
    socket.serverClose(1000, 'session ended');

    h.connection.retryNow();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.written.join('')).toBe('replayed output\r\n');
    expect(last(h.statuses)).toMatchObject({ phase: 'finished', sessionState: 'stopped', exitCode: 143 });
  });

  it('reconnects at once on retryNow after a lost connection', async () => {
    const h = harness();
    h.connection.start();
    const first = h.sockets[0]!;
    first.open();
    first.text({ type: 'attached', offset: 0, state: 'running' });
    first.binary('abc');
    first.serverClose(1006);
    expect(last(h.statuses).phase).toBe('waiting');

    h.connection.retryNow();
    expect(h.sockets).toHaveLength(2);
    expect(new URL(h.sockets[1]!.url).searchParams.get('since')).toBe('3');
    // The backoff timer was cancelled, so no third socket follows.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(2);
  });

  it('signs out on an unauthorized close', async () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    socket.text({ type: 'attached', offset: 0, state: 'running' });
    socket.serverClose(4001, 'token revoked');

    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.unauthorized).toEqual(['token revoked']);
    expect(h.sockets).toHaveLength(1);
  });

  it('checks access after a failed handshake and signs out on 401', async () => {
    const h = harness();
    h.access.result = 'unauthorized';
    h.connection.start();
    h.sockets[0]!.serverClose(1006);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.unauthorized).toHaveLength(1);
    expect(h.sockets).toHaveLength(1);
    expect(last(h.statuses).phase).toBe('unauthorized');
  });

  it('stops when the session is gone after a failed handshake', async () => {
    const h = harness();
    h.access.result = 'not-found';
    h.connection.start();
    h.sockets[0]!.serverClose(1006);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(last(h.statuses).phase).toBe('not-found');
  });

  it('retries after a failed handshake when the token is fine', async () => {
    const h = harness();
    h.connection.start();
    h.sockets[0]!.serverClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    expect(h.sockets).toHaveLength(2);
  });

  it('acknowledges processed output after the delay or at the threshold', async () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    socket.text({ type: 'attached', offset: 0, state: 'running' });

    socket.binary('abc');
    h.pendingWrites.shift()!();
    expect(socket.controlMessages().filter((message) => message.type === 'ack')).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    expect(socket.controlMessages().filter((message) => message.type === 'ack')).toEqual([{ type: 'ack', offset: 3 }]);

    socket.binary('0123456789');
    h.pendingWrites.shift()!();
    expect(last(socket.controlMessages())).toEqual({ type: 'ack', offset: 13 });
  });

  it('shows a gap notice from the server', () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    socket.text({ type: 'attached', offset: 0, state: 'running' });
    socket.text({ type: 'gap', from: 0, to: 2048 });
    expect(h.notices).toHaveLength(1);
    expect(h.notices[0]).toContain('2048 bytes');
  });

  it('sends keystrokes as binary frames only while open', () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    const keys = new TextEncoder().encode('ls\r');
    expect(h.connection.sendInput(keys)).toBe(false);
    socket.open();
    expect(h.connection.sendInput(keys)).toBe(true);
    const frame = socket.sent.find((item) => item instanceof Uint8Array);
    expect(frame).toEqual(keys);
  });

  it('stays closed after close()', async () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    h.connection.close();
    expect(socket.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
  });
});
