import { tokenStore } from '../auth/tokenStore';

// Prefix of every REST and WebSocket endpoint of the gateway.
export const API_BASE = '/api/v1';

// A failed API call. `status` is the HTTP status, or 0 when the gateway
// could not be reached; `message` is the server's {"error"} text when it
// sent one.
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  // False for the endpoints that need no token (login, health).
  authenticated?: boolean;
  // What a 401 means. 'expire' (the default) drops the token and sends the
  // user to the login page; 'report' only throws, for forms where a 401 may
  // mean a wrong password rather than a dead token.
  onUnauthorized?: 'expire' | 'report';
  signal?: AbortSignal;
}

export function signedOutMessage(serverMessage: string): string {
  const detail = serverMessage ? ` (${serverMessage})` : '';
  return `The server no longer accepts your sign-in token${detail}. It may have expired or been revoked; sign in again.`;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, query, authenticated = true, onUnauthorized = 'expire', signal } = options;

  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (authenticated) {
    const token = tokenStore.token();
    if (token === null) {
      throw new ApiError(401, 'not signed in');
    }
    headers.Authorization = `Bearer ${token}`;
  }

  let response: Response;
  try {
    response = await fetch(API_BASE + path + queryString(query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw error;
    }
    throw new ApiError(0, `cannot reach the gateway: ${String(error)}`);
  }

  if (!response.ok) {
    const message = await errorMessage(response);
    if (response.status === 401 && authenticated && onUnauthorized === 'expire') {
      tokenStore.expire(signedOutMessage(message));
    }
    throw new ApiError(response.status, message);
  }

  if (response.status === 204) {
    return undefined as T;
  }
  const text = await response.text();
  if (text === '') {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, `invalid JSON in the response to ${method} ${path}`);
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) {
    return '';
  }
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

// Reads {"error": "..."} from a failed response, falling back to the status
// line for proxies and other servers that respond with HTML or nothing.
async function errorMessage(response: Response): Promise<string> {
  const fallback = `${response.status} ${response.statusText}`.trim();
  try {
    const text = await response.text();
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'error' in parsed && typeof parsed.error === 'string') {
      return parsed.error;
    }
  } catch {
    // Not JSON: use the status line.
  }
  return fallback;
}

// Builds the ws:// or wss:// URL of a WebSocket endpoint on the page's own
// origin. Browsers cannot set headers on the handshake, so the token goes
// in the query.
export function websocketUrl(path: string, params: Record<string, string | number | undefined>): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${API_BASE}${path}${queryString(params)}`;
}
