import type { SessionState } from '../api/types';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../net/backoff';
import { classifyClose, type CloseKind } from '../net/closeCodes';

// The client side of a session stream, without sockets or timers, so it can
// be tested on its own. StreamConnection feeds it socket events and carries
// out what it decides.
//
// Every output byte of a session has an offset in the session's output. The
// machine tracks the offset the terminal has reached, so a reconnect requests
// `?since=<offset>` and receives only what it missed. Bytes the server
// sends twice (a replay that starts before that offset) are cut off, and a
// jump forward (the viewer fell further behind than the server's ring
// holds) becomes a gap notice.

export type StreamPhase =
  // A socket is opening, or open and waiting for the "attached" message.
  | 'connecting'
  // Attached: output is flowing.
  | 'live'
  // The socket closed unexpectedly, and a reconnect is scheduled.
  | 'waiting'
  // The server closed the stream normally (the session ended or was
  // stopped and its output was sent): no reconnect.
  | 'finished'
  // The server rejected the token.
  | 'unauthorized'
  // The session does not exist (any more).
  | 'not-found'
  // The server refused the stream for another reason.
  | 'rejected'
  // The page closed the stream.
  | 'closed';

export interface StreamStatus {
  phase: StreamPhase;
  sessionState: SessionState | null;
  exitCode: number | null;
  // Offset of the next output byte the terminal expects, or null before the
  // first attach.
  offset: number | null;
  // True once the server has reported that the replay of buffered output
  // is done on the current connection.
  replayed: boolean;
  // Reconnect attempts since the last successful attach.
  attempt: number;
  retryDelayMs: number | null;
  // The latest error or close reason from the server, for display.
  message: string | null;
}

export type ServerMessage =
  | { type: 'attached'; offset: number; state?: SessionState; cols?: number; rows?: number; exit_code?: number | null }
  | { type: 'gap'; from: number; to: number }
  | { type: 'offset'; offset: number }
  | { type: 'state'; state: SessionState; exit_code?: number | null }
  | { type: 'error'; error: string };

export interface ControlOutcome {
  // Text to show in the terminal, such as a gap notice.
  notice: string | null;
}

export interface OutputChunk {
  // The bytes to write to the terminal (a view into the received frame).
  data: Uint8Array;
  // The offset reached once these bytes are written.
  endOffset: number;
}

export type CloseDecision =
  | { action: 'reconnect'; delayMs: number; checkAccess: boolean }
  | { action: 'stop'; kind: Exclude<CloseKind, 'transient'> };

export interface StreamMachineOptions {
  backoff?: BackoffPolicy;
  random?: () => number;
  // Unacknowledged processed bytes that make an acknowledgement due at once
  // rather than at the next flush.
  ackThresholdBytes?: number;
}

export const DEFAULT_ACK_THRESHOLD_BYTES = 32 * 1024;

const FINAL_PHASES: ReadonlySet<StreamPhase> = new Set(['finished', 'unauthorized', 'not-found', 'rejected', 'closed']);

export class StreamMachine {
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly ackThreshold: number;

  private status: StreamStatus = {
    phase: 'connecting',
    sessionState: null,
    exitCode: null,
    offset: null,
    replayed: false,
    attempt: 0,
    retryDelayMs: null,
    message: null,
  };

  // Offset of the next byte the current connection will deliver, known
  // once it has attached.
  private streamPosition: number | null = null;
  private opened = false;

  // Acknowledgement bookkeeping. `processed` is the highest offset the
  // terminal has finished writing. `acknowledged` is the last offset sent
  // in an ack on the current connection. Acks below the connection's start
  // mean nothing to the server, so `acknowledged` starts there.
  private processed = 0;
  private acknowledged = 0;

  constructor(options: StreamMachineOptions = {}) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.ackThreshold = options.ackThresholdBytes ?? DEFAULT_ACK_THRESHOLD_BYTES;
  }

  snapshot(): StreamStatus {
    return { ...this.status };
  }

  isFinal(): boolean {
    return FINAL_PHASES.has(this.status.phase);
  }

  // Query parameters for the next connection: flow control always, and the
  // offset to resume from once one is known.
  connectParams(): { since?: number; flow: 'ack' } {
    return this.status.offset === null ? { flow: 'ack' } : { since: this.status.offset, flow: 'ack' };
  }

  // Resets the per-connection state when a new socket is created.
  onConnecting(): void {
    this.status.phase = 'connecting';
    this.status.retryDelayMs = null;
    this.status.replayed = false;
    this.streamPosition = null;
    this.opened = false;
  }

  onOpen(): void {
    this.opened = true;
  }

  onControl(message: ServerMessage): ControlOutcome {
    switch (message.type) {
      case 'attached':
        return this.onAttached(message);
      case 'gap':
        return this.onGap(message.from, message.to);
      case 'offset':
        this.status.replayed = true;
        return { notice: null };
      case 'state':
        this.status.sessionState = message.state;
        this.status.exitCode = message.exit_code ?? null;
        return { notice: null };
      case 'error':
        this.status.message = message.error;
        return { notice: `server: ${message.error}` };
    }
  }

  // Takes one binary frame and returns the part the terminal has not seen,
  // or null when all of it is a duplicate.
  onOutput(frame: Uint8Array): OutputChunk | null {
    const start = this.streamPosition ?? this.status.offset ?? 0;
    const end = start + frame.byteLength;
    this.streamPosition = end;

    const reached = this.status.offset ?? start;
    if (end <= reached) {
      return null;
    }
    const skip = Math.max(0, reached - start);
    this.status.offset = end;
    return { data: skip === 0 ? frame : frame.subarray(skip), endOffset: end };
  }

  // Records that the terminal finished writing output up to `endOffset`
  // and returns the offset to acknowledge now, or null when the ack can
  // wait for the next flush.
  onProcessed(endOffset: number): number | null {
    this.processed = Math.max(this.processed, endOffset);
    if (this.processed - this.acknowledged >= this.ackThreshold) {
      return this.takeAck();
    }
    return null;
  }

  // Returns the offset to acknowledge if any processed output is still
  // unacknowledged on a live connection, and marks it sent.
  flushAck(): number | null {
    return this.processed > this.acknowledged ? this.takeAck() : null;
  }

  onClose(code: number, reason: string): CloseDecision {
    if (this.isFinal()) {
      return { action: 'stop', kind: this.status.phase === 'finished' ? 'normal' : 'rejected' };
    }
    const kind = classifyClose(code);
    if (reason) {
      this.status.message = reason;
    }

    switch (kind) {
      case 'normal':
        this.status.phase = 'finished';
        return { action: 'stop', kind };
      case 'unauthorized':
        this.status.phase = 'unauthorized';
        return { action: 'stop', kind };
      case 'not-found':
        this.status.phase = 'not-found';
        return { action: 'stop', kind };
      case 'rejected':
        this.status.phase = 'rejected';
        return { action: 'stop', kind };
      case 'transient': {
        // A socket that never opened usually means the handshake was
        // rejected. Browsers report an HTTP 401 or 404 there like a dead
        // network, so the caller checks the token and session first.
        const checkAccess = !this.opened;
        this.status.attempt += 1;
        const delayMs = backoffDelay(this.status.attempt, this.backoff, this.random);
        this.status.phase = 'waiting';
        this.status.retryDelayMs = delayMs;
        return { action: 'reconnect', delayMs, checkAccess };
      }
    }
  }

  // Ends the stream from the client side: nothing reconnects afterwards.
  close(): void {
    this.status.phase = 'closed';
    this.status.retryDelayMs = null;
  }

  // Marks the stream as ended for a reason found outside the socket, such
  // as a 404 or 401 while checking access after a failed handshake.
  fail(phase: 'unauthorized' | 'not-found' | 'rejected', message: string): void {
    this.status.phase = phase;
    this.status.message = message;
    this.status.retryDelayMs = null;
  }

  private onAttached(message: Extract<ServerMessage, { type: 'attached' }>): ControlOutcome {
    const start = message.offset;
    this.streamPosition = start;
    this.status.phase = 'live';
    this.status.attempt = 0;
    this.status.retryDelayMs = null;
    this.status.message = null;
    if (message.state) {
      this.status.sessionState = message.state;
    }
    if (message.exit_code !== undefined) {
      this.status.exitCode = message.exit_code;
    }
    this.acknowledged = start;
    this.processed = Math.max(this.processed, start);

    const reached = this.status.offset;
    if (reached === null) {
      // First attach: output before `start` has left the ring, which is
      // simply where the history begins.
      this.status.offset = start;
      return { notice: null };
    }
    if (start > reached) {
      this.status.offset = start;
      return { notice: gapNotice(start - reached) };
    }
    return { notice: null };
  }

  private onGap(from: number, to: number): ControlOutcome {
    this.streamPosition = to;
    const reached = this.status.offset ?? from;
    if (to <= reached) {
      return { notice: null };
    }
    this.status.offset = to;
    return { notice: gapNotice(to - Math.max(from, reached)) };
  }

  private takeAck(): number | null {
    if (this.status.phase !== 'live') {
      return null;
    }
    this.acknowledged = this.processed;
    return this.processed;
  }
}

export function gapNotice(lostBytes: number): string {
  return `${lostBytes} bytes of output were lost: this viewer fell further behind than the server keeps. Output continues from the oldest bytes still held.`;
}

// Parses a text frame from the server, or returns null for anything that is
// not a message this client understands.
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || !('type' in value)) {
    return null;
  }
  const message = value as Record<string, unknown>;
  const isNumber = (field: string) => typeof message[field] === 'number' && Number.isFinite(message[field]);
  switch (message.type) {
    case 'attached':
    case 'offset':
      return isNumber('offset') ? (message as unknown as ServerMessage) : null;
    case 'gap':
      return isNumber('from') && isNumber('to') ? (message as unknown as ServerMessage) : null;
    case 'state':
      return typeof message.state === 'string' ? (message as unknown as ServerMessage) : null;
    case 'error':
      return typeof message.error === 'string' ? (message as unknown as ServerMessage) : null;
    default:
      return null;
  }
}
