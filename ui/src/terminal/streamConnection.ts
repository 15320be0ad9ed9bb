import { StreamMachine, parseServerMessage, type StreamStatus } from './streamMachine';

// Drives one session stream over WebSocket: opens the socket, passes
// output to the terminal, sends keystrokes, resizes and acknowledgements,
// and reconnects as the StreamMachine decides.

// The subset of the browser WebSocket this class uses, so tests can pass a
// fake.
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

const SOCKET_OPEN = 1;

export interface StreamSink {
  // Writes output to the terminal and calls `done` once it is processed.
  write(data: Uint8Array, done: () => void): void;
  // Shows a line of text from the client (gap notices, server errors).
  notice(text: string): void;
  status(status: StreamStatus): void;
  // The server no longer accepts the token.
  unauthorized(message: string): void;
}

// The result of checking, over REST, why a handshake failed.
export type AccessCheck = 'ok' | 'unauthorized' | 'not-found';

export interface StreamConnectionOptions {
  // Builds the socket URL from the query parameters.
  url: (params: Record<string, string | number | undefined>) => string;
  token: () => string | null;
  sink: StreamSink;
  checkAccess: () => Promise<AccessCheck>;
  createSocket?: (url: string) => SocketLike;
  machine?: StreamMachine;
  // Maximum time in ms that processed output stays unacknowledged.
  ackDelayMs?: number;
}

export const DEFAULT_ACK_DELAY_MS = 50;

export class StreamConnection {
  private readonly options: StreamConnectionOptions;
  private readonly machine: StreamMachine;
  private readonly createSocket: (url: string) => SocketLike;
  private socket: SocketLike | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private size: { cols: number; rows: number } | null = null;

  constructor(options: StreamConnectionOptions) {
    this.options = options;
    this.machine = options.machine ?? new StreamMachine();
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
  }

  status(): StreamStatus {
    return this.machine.snapshot();
  }

  start(): void {
    this.connect();
  }

  // Closes the stream for good, as when the page is left.
  close(): void {
    this.machine.close();
    this.clearTimers();
    this.dropSocket();
    this.publish();
  }

  // Skips the remaining backoff delay, or tries again after a rejection or
  // a not-found check. A finished stream stays closed because its session
  // ended or was stopped, and a new connection would only replay its output.
  retryNow(): void {
    const phase = this.machine.snapshot().phase;
    if (phase === 'live' || phase === 'connecting' || phase === 'finished' || phase === 'closed' || phase === 'unauthorized') {
      return;
    }
    this.clearTimers();
    this.connect();
  }

  // Sends keystrokes. Returns false when no socket is open to take them.
  sendInput(data: Uint8Array): boolean {
    if (this.socket?.readyState !== SOCKET_OPEN || data.byteLength === 0) {
      return false;
    }
    this.socket.send(data);
    return true;
  }

  // Records the terminal size and sends it to the server when connected. The size
  // is sent again on every attach, so a reconnect restores it.
  resize(cols: number, rows: number): void {
    if (cols <= 0 || rows <= 0) {
      return;
    }
    this.size = { cols, rows };
    this.sendResize();
  }

  private connect(): void {
    const token = this.options.token();
    if (token === null) {
      this.machine.fail('unauthorized', 'not signed in');
      this.publish();
      this.options.sink.unauthorized('You are not signed in.');
      return;
    }

    this.dropSocket();
    this.machine.onConnecting();
    const socket = this.createSocket(this.options.url({ ...this.machine.connectParams(), token }));
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.machine.onOpen();
      this.publish();
    };
    socket.onmessage = (event) => this.onMessage(event);
    socket.onclose = (event) => this.onClose(event.code, event.reason);
    socket.onerror = () => {
      // A close event always follows; it carries the code.
    };
    this.socket = socket;
    this.publish();
  }

  private onMessage(event: MessageEvent): void {
    if (typeof event.data === 'string') {
      this.onText(event.data);
      return;
    }
    if (!(event.data instanceof ArrayBuffer)) {
      return;
    }
    const chunk = this.machine.onOutput(new Uint8Array(event.data));
    if (chunk === null) {
      return;
    }
    this.options.sink.write(chunk.data, () => this.onProcessed(chunk.endOffset));
  }

  private onText(text: string): void {
    const message = parseServerMessage(text);
    if (message === null) {
      return;
    }
    const outcome = this.machine.onControl(message);
    if (outcome.notice !== null) {
      this.options.sink.notice(outcome.notice);
    }
    if (message.type === 'attached') {
      this.sendResize();
    }
    this.publish();
  }

  private onProcessed(endOffset: number): void {
    const ack = this.machine.onProcessed(endOffset);
    if (ack !== null) {
      this.sendAck(ack);
      return;
    }
    if (this.ackTimer === null) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = null;
        const pending = this.machine.flushAck();
        if (pending !== null) {
          this.sendAck(pending);
        }
      }, this.options.ackDelayMs ?? DEFAULT_ACK_DELAY_MS);
    }
  }

  private onClose(code: number, reason: string): void {
    this.socket = null;
    const decision = this.machine.onClose(code, reason);
    this.publish();

    if (decision.action === 'stop') {
      if (decision.kind === 'unauthorized') {
        this.options.sink.unauthorized(reason || 'The server closed the stream because the token is no longer valid.');
      } else if (decision.kind === 'rejected') {
        // A policy close can hide a revoked token; the check signs the user
        // out if so.
        void this.options.checkAccess();
      }
      return;
    }

    if (decision.checkAccess) {
      void this.options.checkAccess().then(
        (result) => this.afterAccessCheck(result, decision.delayMs),
        () => this.scheduleReconnect(decision.delayMs),
      );
      return;
    }
    this.scheduleReconnect(decision.delayMs);
  }

  private afterAccessCheck(result: AccessCheck, delayMs: number): void {
    if (this.machine.isFinal()) {
      return;
    }
    if (result === 'unauthorized') {
      this.machine.fail('unauthorized', 'the server rejected the token');
      this.publish();
      this.options.sink.unauthorized('The server no longer accepts your sign-in token.');
      return;
    }
    if (result === 'not-found') {
      this.machine.fail('not-found', 'session not found');
      this.publish();
      return;
    }
    this.scheduleReconnect(delayMs);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.machine.isFinal()) {
      return;
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delayMs);
  }

  private sendResize(): void {
    if (this.size === null || this.socket?.readyState !== SOCKET_OPEN) {
      return;
    }
    this.socket.send(JSON.stringify({ type: 'resize', cols: this.size.cols, rows: this.size.rows }));
  }

  private sendAck(offset: number): void {
    if (this.socket?.readyState !== SOCKET_OPEN) {
      return;
    }
    this.socket.send(JSON.stringify({ type: 'ack', offset }));
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    if (socket === null) {
      return;
    }
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    socket.close(1000, 'client closed');
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    if (this.ackTimer !== null) {
      clearTimeout(this.ackTimer);
      this.ackTimer = null;
    }
  }

  private publish(): void {
    this.options.sink.status(this.machine.snapshot());
  }
}
