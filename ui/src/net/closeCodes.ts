// WebSocket close codes the gateway uses, and what each means to a client.

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY_VIOLATION = 1008;
// Application codes (4000-4999) for a token the server does not accept,
// for example one revoked by a credentials change. 4401 mirrors HTTP 401.
export const CLOSE_UNAUTHORIZED = 4001;
export const CLOSE_UNAUTHORIZED_HTTP = 4401;
// Application codes for an unknown or deleted session.
export const CLOSE_NOT_FOUND = 4004;
export const CLOSE_NOT_FOUND_HTTP = 4404;

export type CloseKind =
  // The server finished the stream on purpose: do not reconnect.
  | 'normal'
  // The token is no longer valid: go to the login page.
  | 'unauthorized'
  // The resource is gone: do not reconnect.
  | 'not-found'
  // The server rejected the connection for another reason: reconnecting
  // would repeat it, but the token may be the cause, so check it.
  | 'rejected'
  // Network loss, server restart, proxy timeout: reconnect with backoff.
  | 'transient';

export function classifyClose(code: number): CloseKind {
  switch (code) {
    case CLOSE_NORMAL:
      return 'normal';
    case CLOSE_UNAUTHORIZED:
    case CLOSE_UNAUTHORIZED_HTTP:
      return 'unauthorized';
    case CLOSE_NOT_FOUND:
    case CLOSE_NOT_FOUND_HTTP:
      return 'not-found';
    case CLOSE_POLICY_VIOLATION:
      return 'rejected';
    default:
      return 'transient';
  }
}
