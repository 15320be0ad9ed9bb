import { useNavigate } from 'react-router';
import { ErrorNotice } from '../components/ErrorNotice';
import { useNow } from '../components/useNow';
import { CreateSessionForm } from '../sessions/CreateSessionForm';
import { SessionTable } from '../sessions/SessionTable';
import { sortSessions } from '../sessions/sessionEvents';
import { useSessionList } from '../sessions/useSessionList';

const FEED_LABELS = {
  connecting: 'connecting',
  live: 'live',
  waiting: 'reconnecting',
  unauthorized: 'signed out',
  closed: 'closed',
} as const;

export function SessionsPage() {
  const { sessions, error, idleEvents, feedPhase, refresh } = useSessionList();
  const now = useNow(1000);
  const navigate = useNavigate();

  return (
    <section className="page">
      <div className="page-header">
        <h1>Sessions</h1>
        <span className={`feed feed-${feedPhase}`} title="Live updates from the events feed">
          {FEED_LABELS[feedPhase]}
        </span>
        <button type="button" className="button button-quiet" onClick={refresh}>
          Refresh
        </button>
      </div>
      <CreateSessionForm onCreated={(session) => navigate(`/sessions/${encodeURIComponent(session.id)}`)} />
      <ErrorNotice error={error} />
      {sessions === null ? (
        <p className="empty">Loading sessions…</p>
      ) : (
        <SessionTable sessions={sortSessions(sessions)} idleEvents={idleEvents} now={now} onChanged={refresh} />
      )}
    </section>
  );
}
