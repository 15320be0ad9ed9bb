import { useState } from 'react';
import { Link } from 'react-router';
import { deleteSession, stopSession } from '../api/endpoints';
import type { Session } from '../api/types';
import { describeError } from '../components/ErrorNotice';
import { StateBadge } from '../components/StateBadge';
import { elapsedSince, formatDuration } from '../format/time';
import { idleSince, type IdleSinceMap } from './idle';

const CONFIRM_WINDOW_MS = 4000;

function isFinished(session: Session): boolean {
  return session.state === 'ended' || session.state === 'stopped';
}

function idleText(session: Session, idleEvents: IdleSinceMap, now: number): string {
  if (isFinished(session)) {
    return '—';
  }
  const since = idleSince(session, idleEvents);
  if (since === null) {
    return session.state === 'running' ? 'active' : '—';
  }
  return formatDuration(now - since);
}

interface SessionTableProps {
  sessions: Session[];
  idleEvents: IdleSinceMap;
  now: number;
  onChanged: () => void;
}

// The session list. On narrow screens each row is laid out as a card.
export function SessionTable({ sessions, idleEvents, now, onChanged }: SessionTableProps) {
  if (sessions.length === 0) {
    return <p className="empty">No sessions yet. Start one with the form above.</p>;
  }
  return (
    <table className="table sessions-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">State</th>
          <th scope="col">Provider</th>
          <th scope="col">Age</th>
          <th scope="col">Idle</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <SessionRow key={session.id} session={session} idleEvents={idleEvents} now={now} onChanged={onChanged} />
        ))}
      </tbody>
    </table>
  );
}

function SessionRow({ session, idleEvents, now, onChanged }: { session: Session; idleEvents: IdleSinceMap; now: number; onChanged: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<'stop' | 'delete' | null>(null);
  const age = elapsedSince(session.created_at, now);
  const finished = isFinished(session);

  async function act(action: 'stop' | 'delete') {
    // The first tap arms the button; a second tap within a few seconds acts.
    if (confirming !== action) {
      setConfirming(action);
      setTimeout(() => setConfirming((current) => (current === action ? null : current)), CONFIRM_WINDOW_MS);
      return;
    }
    setConfirming(null);
    setBusy(true);
    setError(null);
    try {
      if (action === 'stop') {
        await stopSession(session.id);
      } else {
        await deleteSession(session.id);
      }
      onChanged();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr data-session-id={session.id} data-session-name={session.name}>
      <td data-label="Name" className="cell-name">
        <Link to={`/sessions/${encodeURIComponent(session.id)}`}>{session.name || session.id}</Link>
        {error && (
          <div className="row-error" role="alert">
            {error}
          </div>
        )}
      </td>
      <td data-label="State">
        <StateBadge state={session.state} exitCode={session.exit_code} />
      </td>
      <td data-label="Provider">{session.provider}</td>
      <td data-label="Age">{age === null ? '—' : formatDuration(age)}</td>
      <td data-label="Idle">{idleText(session, idleEvents, now)}</td>
      <td className="cell-actions">
        <Link className="button button-small" to={`/sessions/${encodeURIComponent(session.id)}`}>
          Open
        </Link>
        {finished ? (
          <button type="button" className="button button-small button-danger" disabled={busy} onClick={() => act('delete')}>
            {confirming === 'delete' ? 'Confirm delete' : 'Delete'}
          </button>
        ) : (
          <button type="button" className="button button-small button-danger" disabled={busy} onClick={() => act('stop')}>
            {confirming === 'stop' ? 'Confirm stop' : 'Stop'}
          </button>
        )}
      </td>
    </tr>
  );
}
