import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AppLayout } from './components/AppLayout';
import { RequireAuth } from './components/RequireAuth';
import { AuditPage } from './pages/AuditPage';
import { LoginPage } from './pages/LoginPage';
import { LogsPage } from './pages/LogsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SessionsPage } from './pages/SessionsPage';
import { SettingsPage } from './pages/SettingsPage';

// xterm.js and its renderers are most of the bundle; load them only when a
// terminal is opened.
const TerminalPage = lazy(() => import('./pages/TerminalPage').then((module) => ({ default: module.TerminalPage })));

// The gateway serves the SPA under /admin/ and falls back to index.html for
// every path below it, so client-side routes survive a reload.
export const BASENAME = '/admin';

export function App() {
  return (
    <BrowserRouter basename={BASENAME}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireAuth>
              <AppLayout />
            </RequireAuth>
          }
        >
          <Route index element={<Navigate to="/sessions" replace />} />
          <Route path="/sessions" element={<SessionsPage />} />
          <Route
            path="/sessions/:id"
            element={
              <Suspense fallback={<p className="empty">Loading terminal…</p>}>
                <TerminalPage />
              </Suspense>
            }
          />
          <Route path="/logs" element={<LogsPage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
