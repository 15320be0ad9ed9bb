import { apiRequest } from './client';
import type {
  AuditPage,
  ChangeCredentialsRequest,
  CreateSessionRequest,
  LogPage,
  Me,
  ProviderList,
  Session,
  SessionList,
  TokenResponse,
} from './types';

export function login(user: string, password: string): Promise<TokenResponse> {
  return apiRequest('/auth/login', { method: 'POST', body: { user, password }, authenticated: false });
}

export function logout(): Promise<void> {
  return apiRequest('/auth/logout', { method: 'POST', onUnauthorized: 'report' });
}

export function fetchMe(): Promise<Me> {
  return apiRequest('/auth/me');
}

// A 401 here usually means a wrong current password, so it is reported to
// the form instead of signing the user out.
export function changeCredentials(request: ChangeCredentialsRequest): Promise<TokenResponse> {
  return apiRequest('/auth/change-credentials', { method: 'POST', body: request, onUnauthorized: 'report' });
}

export function listProviders(): Promise<ProviderList> {
  return apiRequest('/providers');
}

export function listSessions(signal?: AbortSignal): Promise<SessionList> {
  return apiRequest('/sessions', { signal });
}

export function fetchSession(id: string): Promise<Session> {
  return apiRequest(`/sessions/${encodeURIComponent(id)}`);
}

export function createSession(request: CreateSessionRequest): Promise<Session> {
  return apiRequest('/sessions', { method: 'POST', body: request });
}

export function stopSession(id: string): Promise<Session> {
  return apiRequest(`/sessions/${encodeURIComponent(id)}/stop`, { method: 'POST' });
}

export function deleteSession(id: string): Promise<void> {
  return apiRequest(`/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function fetchLogs(limit: number): Promise<LogPage> {
  return apiRequest('/logs', { query: { limit } });
}

export function fetchAudit(limit: number, before?: number): Promise<AuditPage> {
  return apiRequest('/audit', { query: { limit, before } });
}
