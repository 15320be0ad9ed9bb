import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { classifyClose } from './closeCodes';

// A WebSocket of JSON text frames that reconnects with backoff until it is
// closed: the events feed and the log tail. These streams have no normal
// end, so every close but an authentication failure leads to a reconnect.

export type LiveSocketPhase = 'connecting' | 'live' | 'waiting' | 'unauthorized' | 'closed';

export interface LiveSocketOptions {
  // Builds the URL for each attempt, so it can carry a resume position.
  url: () => string | null;
  onMessage: (message: unknown) => void;
  onPhase?: (phase: LiveSocketPhase, retryDelayMs: number | null) => void;
  // Called when the server rejects the token.
  onUnauthorized: (reason: string) => void;
  // Checks the token over REST after a failed handshake, where the browser
  // hides the HTTP status. It should sign the user out on a 401.
  checkToken: () => Promise<unknown>;
  backoff?: BackoffPolicy;
}

export class LiveSocket {
  private readonly options: LiveSocketOptions;
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private closed = false;

  constructor(options: LiveSocketOptions) {
    this.options = options;
  }

  start(): void {
    this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000, 'client closed');
    }
    this.options.onPhase?.('closed', null);
  }

  private connect(): void {
    const url = this.options.url();
    if (url === null) {
      this.options.onPhase?.('unauthorized', null);
      return;
    }

    this.options.onPhase?.('connecting', null);
    let opened = false;
    const socket = new WebSocket(url);
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.options.onPhase?.('live', null);
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') {
        return;
      }
      try {
        this.options.onMessage(JSON.parse(event.data));
      } catch {
        // Ignore frames that are not JSON.
      }
    };
    socket.onclose = (event) => {
      this.socket = null;
      if (this.closed) {
        return;
      }
      const kind = classifyClose(event.code);
      if (kind === 'unauthorized') {
        this.options.onPhase?.('unauthorized', null);
        this.options.onUnauthorized(event.reason);
        return;
      }
      this.attempt += 1;
      const delay = backoffDelay(this.attempt, this.options.backoff ?? DEFAULT_BACKOFF);
      this.options.onPhase?.('waiting', delay);
      if (!opened || kind === 'rejected') {
        this.options.checkToken().catch(() => {});
      }
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.closed) {
          this.connect();
        }
      }, delay);
    };
    this.socket = socket;
  }
}
