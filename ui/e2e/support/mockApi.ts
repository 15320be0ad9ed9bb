import type { Page, Route, WebSocketRoute } from 'playwright-core';

// An in-browser stand-in for the gateway's API, for the smoke test that
// runs without a backend. It responds to REST calls through page.route and
// plays the server side of the WebSockets through page.routeWebSocket,
// recording what the page sends so the test can check it.

export const MOCK_USER = 'admin';
export const MOCK_PASSWORD = 'correct-horse';

export const MOCK_OUTPUT =
  '\x1b[1;32mhello-from-mock\x1b[0m wide: 你好 colours: \x1b[38;5;208m256\x1b[0m \x1b[38;2;120;200;255mtruecolor\x1b[0m\r\n$ ';

// Output of the finished session s-2, which its stream replays before the
// final state frame and a normal close.
export const MOCK_FINISHED_OUTPUT = 'build finished in 42s\r\n';

interface StreamConnection {
  url: URL;
  route: WebSocketRoute;
  // Keystrokes and control messages the page sent, in order.
  binary: Buffer[];
  control: Record<string, unknown>[];
  // Offset of the next byte this mock will send.
  offset: number;
}

const now = () => new Date().toISOString();

function session(id: string, name: string, state: string) {
  return {
    id,
    name,
    provider: 'shell',
    command: '/bin/bash',
    args: [],
    cwd: '/home/op',
    cols: 80,
    rows: 24,
    state,
    pid: 4242,
    exit_code: null as number | null,
    created_at: new Date(Date.now() - 3_600_000).toISOString(),
    started_at: new Date(Date.now() - 3_600_000).toISOString(),
    ended_at: null as string | null,
  };
}

export class MockApi {
  readonly tokens = new Set<string>();
  readonly streams: StreamConnection[] = [];
  readonly sessions = [session('s-1', 'demo-shell', 'running'), session('s-2', 'finished-job', 'ended')];
  // Streams of finished sessions, which replay and close with 1000.
  readonly finishedStreams: URL[] = [];
  // Ids whose session is deleted when its stream connects, as if an
  // operator deleted it between the page's GET and the stream's upgrade.
  readonly deleteOnStream = new Set<string>();
  // Output of s-1 since the session started, replayed on attach.
  private output = Buffer.from(MOCK_OUTPUT);
  private logSeq = 5;
  private tokenCount = 0;
  private eventRoutes: WebSocketRoute[] = [];
  private logRoutes: WebSocketRoute[] = [];

  constructor() {
    this.sessions[1]!.exit_code = 0;
  }

  async install(page: Page): Promise<void> {
    await page.route('**/api/v1/**', (route) => this.handle(route));
    await page.routeWebSocket(/\/api\/v1\/events/, (ws) => this.acceptEvents(ws));
    await page.routeWebSocket(/\/api\/v1\/logs\/stream/, (ws) => this.acceptLogs(ws));
    await page.routeWebSocket(/\/api\/v1\/sessions\/[^/]+\/stream/, (ws) => this.acceptStream(ws));
  }

  // Adds a session record that the REST routes and streams serve.
  addSession(id: string, name: string, state: string): void {
    this.sessions.push(session(id, name, state));
  }

  latestStream(): StreamConnection | undefined {
    return this.streams[this.streams.length - 1];
  }

  // Sends a bus event to every open events socket.
  publish(event: Record<string, unknown>): void {
    for (const ws of this.eventRoutes) ws.send(JSON.stringify({ time: now(), ...event }));
  }

  // Sends a new log record to every open tail.
  log(level: string, message: string): number {
    this.logSeq += 1;
    const record = { seq: this.logSeq, time: now(), level, message, attrs: { source: 'mock' } };
    for (const ws of this.logRoutes) ws.send(JSON.stringify({ type: 'record', record }));
    return this.logSeq;
  }

  // Appends output to s-1 and sends it to the latest stream.
  emit(text: string): void {
    const bytes = Buffer.from(text);
    this.output = Buffer.concat([this.output, bytes]);
    const stream = this.latestStream();
    if (stream) {
      stream.route.send(bytes);
      stream.offset += bytes.byteLength;
    }
  }

  outputLength(): number {
    return this.output.byteLength;
  }

  private json(route: Route, status: number, body: unknown) {
    return route.fulfill({ status, contentType: 'application/json', body: body === undefined ? '' : JSON.stringify(body) });
  }

  private authorized(route: Route): boolean {
    const header = route.request().headers().authorization ?? '';
    return this.tokens.has(header.replace(/^Bearer /, ''));
  }

  private issueToken() {
    this.tokenCount += 1;
    const token = `mock-token-${this.tokenCount}`;
    this.tokens.add(token);
    return { token, expires_at: new Date(Date.now() + 86_400_000).toISOString() };
  }

  private async handle(route: Route): Promise<void> {
    const request = route.request();
    const url = new URL(request.url());
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const method = request.method();

    if (method === 'POST' && path === '/auth/login') {
      const body = request.postDataJSON() as { user: string; password: string };
      if (body.user === MOCK_USER && body.password === MOCK_PASSWORD) {
        return this.json(route, 200, this.issueToken());
      }
      return this.json(route, 401, { error: 'invalid user or password' });
    }
    if (!this.authorized(route)) {
      return this.json(route, 401, { error: 'invalid or expired token' });
    }

    if (method === 'GET' && path === '/auth/me') {
      return this.json(route, 200, { user: MOCK_USER, kind: 'browser', expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    }
    if (method === 'POST' && path === '/auth/logout') {
      return this.json(route, 204, undefined);
    }
    if (method === 'POST' && path === '/auth/change-credentials') {
      const body = request.postDataJSON() as { current_password: string; new_password: string };
      if (body.current_password !== MOCK_PASSWORD) {
        return this.json(route, 401, { error: 'current password is wrong' });
      }
      this.tokens.clear();
      return this.json(route, 200, this.issueToken());
    }
    if (method === 'GET' && path === '/providers') {
      return this.json(route, 200, {
        providers: [
          { id: 'shell', name: 'Shell', command: '/bin/bash', installed: true },
          { id: 'claude', name: 'Claude Code', command: 'claude', installed: false },
          { id: 'codex', name: 'Codex', command: 'codex', installed: false },
          { id: 'gemini', name: 'Gemini CLI', command: 'gemini', installed: true },
          { id: 'custom', name: 'Custom command', command: '', installed: true },
        ],
      });
    }
    if (method === 'GET' && path === '/sessions') {
      return this.json(route, 200, { sessions: this.sessions });
    }
    if (method === 'POST' && path === '/sessions') {
      const body = request.postDataJSON() as { name?: string };
      const created = session(`s-${this.sessions.length + 1}`, body.name ?? 'new', 'running');
      this.sessions.push(created);
      return this.json(route, 201, created);
    }
    const sessionMatch = /^\/sessions\/([^/]+)(\/stop)?$/.exec(path);
    if (sessionMatch) {
      const found = this.sessions.find((item) => item.id === sessionMatch[1]);
      if (!found) return this.json(route, 404, { error: 'session not found' });
      if (method === 'GET') return this.json(route, 200, found);
      if (method === 'POST' && sessionMatch[2]) {
        found.state = 'stopped';
        return this.json(route, 200, found);
      }
      if (method === 'DELETE') {
        if (found.state === 'running') return this.json(route, 409, { error: 'session is still running; stop it first' });
        this.sessions.splice(this.sessions.indexOf(found), 1);
        return this.json(route, 204, undefined);
      }
    }
    if (method === 'GET' && path === '/logs') {
      const levels = ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];
      const records = levels.map((level, index) => ({
        seq: index + 1,
        time: now(),
        level,
        message: `startup step ${index + 1}`,
        attrs: { step: index + 1 },
      }));
      return this.json(route, 200, { records, last_seq: 5 });
    }
    if (method === 'GET' && path === '/audit') {
      const before = Number(url.searchParams.get('before') ?? 1000);
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const ids = Array.from({ length: 120 }, (_, index) => 120 - index).filter((id) => id < before).slice(0, limit);
      const events = ids.map((id) => ({
        id,
        time: new Date(Date.now() - (120 - id) * 60_000).toISOString(),
        event: id % 3 === 0 ? 'admin.login_failed' : 'admin.login_success',
        actor: MOCK_USER,
        client_addr: '127.0.0.1',
        session_id: null,
        details: { mobile: false },
      }));
      const last = ids[ids.length - 1];
      return this.json(route, 200, { events, next_before: last !== undefined && last > 1 ? last : null });
    }
    return this.json(route, 404, { error: `no mock for ${method} ${path}` });
  }

  private acceptEvents(ws: WebSocketRoute) {
    this.eventRoutes.push(ws);
    ws.onClose(() => (this.eventRoutes = this.eventRoutes.filter((item) => item !== ws)));
  }

  private acceptLogs(ws: WebSocketRoute) {
    this.logRoutes.push(ws);
    ws.onClose(() => (this.logRoutes = this.logRoutes.filter((item) => item !== ws)));
  }

  private acceptStream(ws: WebSocketRoute) {
    const url = new URL(ws.url());
    if (!this.tokens.has(url.searchParams.get('token') ?? '')) {
      ws.close({ code: 4001, reason: 'token revoked' });
      return;
    }
    const id = decodeURIComponent(/\/sessions\/([^/]+)\/stream/.exec(url.pathname)?.[1] ?? '');
    const index = this.sessions.findIndex((item) => item.id === id);
    if (index >= 0 && this.deleteOnStream.has(id)) {
      this.sessions.splice(index, 1);
    }
    const found = this.sessions.find((item) => item.id === id);
    if (!found) {
      // The gateway rejects an unknown session with HTTP 404 before the
      // upgrade, which a routed socket cannot do. The mock closes with
      // 4404, the gateway's code for a session deleted during the
      // upgrade, and the client treats both alike.
      ws.close({ code: 4404, reason: 'session not found' });
      return;
    }
    if (found.state === 'ended' || found.state === 'stopped') {
      this.replayFinished(ws, url, found.state, found.exit_code);
      return;
    }
    const since = Number(url.searchParams.get('since') ?? 0);
    const connection: StreamConnection = { url, route: ws, binary: [], control: [], offset: since };
    this.streams.push(connection);

    ws.onMessage((message) => {
      if (typeof message === 'string') {
        connection.control.push(JSON.parse(message) as Record<string, unknown>);
        return;
      }
      connection.binary.push(message);
      // Echo keystrokes like a terminal in cooked mode would.
      this.emit(message.toString('utf8').replace(/\r/g, '\r\n'));
    });

    ws.send(JSON.stringify({ type: 'attached', offset: since, state: 'running', cols: 80, rows: 24, exit_code: null }));
    const replay = this.output.subarray(since);
    if (replay.byteLength > 0) {
      ws.send(Buffer.from(replay));
      connection.offset += replay.byteLength;
    }
    ws.send(JSON.stringify({ type: 'offset', offset: connection.offset }));
  }

  // Plays the stream of a finished session as the gateway does: attach
  // with the final state, replay, state frame, close with 1000.
  private replayFinished(ws: WebSocketRoute, url: URL, state: string, exitCode: number | null) {
    this.finishedStreams.push(url);
    const output = Buffer.from(MOCK_FINISHED_OUTPUT);
    ws.send(JSON.stringify({ type: 'attached', offset: 0, state, cols: 80, rows: 24, exit_code: exitCode }));
    ws.send(output);
    ws.send(JSON.stringify({ type: 'offset', offset: output.byteLength }));
    ws.send(JSON.stringify({ type: 'state', state, exit_code: exitCode }));
    ws.close({ code: 1000, reason: 'session ended' });
  }
}
