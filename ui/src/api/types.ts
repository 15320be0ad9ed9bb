// JSON shapes of the gateway's /api/v1 endpoints, as the admin UI reads them.

export type SessionState = 'pending' | 'running' | 'idle' | 'stopped' | 'ended';

export interface Session {
  id: string;
  name: string;
  provider: string;
  command: string;
  args: string[] | null;
  cwd: string;
  cols: number;
  rows: number;
  state: SessionState;
  pid: number | null;
  exit_code: number | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  // Present on GET /sessions/{id}; the list may include them too.
  viewers?: number;
  idle_since?: string | null;
  last_output_at?: string | null;
}

export interface SessionList {
  sessions: Session[];
}

export interface CreateSessionRequest {
  provider: string;
  name?: string;
  cwd?: string;
  command?: string;
  args?: string[];
  cols?: number;
  rows?: number;
}

export interface Provider {
  id: string;
  name: string;
  command: string;
  installed: boolean;
}

export interface ProviderList {
  providers: Provider[];
}

export interface TokenResponse {
  token: string;
  expires_at: string;
}

export interface Me {
  user: string;
  kind: 'browser' | 'mobile';
  expires_at: string;
}

export interface ChangeCredentialsRequest {
  current_password: string;
  new_user?: string;
  new_password: string;
}

export interface LogRecord {
  seq: number;
  time: string;
  level: string;
  message: string;
  attrs?: Record<string, unknown> | null;
}

export interface LogPage {
  records: LogRecord[];
  last_seq: number;
}

export interface AuditEvent {
  id: number;
  time: string;
  event: string;
  actor: string;
  client_addr: string;
  session_id: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditPage {
  events: AuditEvent[];
  next_before: number | null;
}

// A bus event from /api/v1/events. Session events carry session_id; the
// other fields depend on the type.
export interface BusEvent {
  type: string;
  time: string;
  session_id?: string;
  [field: string]: unknown;
}
