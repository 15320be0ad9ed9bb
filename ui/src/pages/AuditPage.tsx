import { useEffect, useState } from 'react';
import { fetchAudit } from '../api/endpoints';
import type { AuditPage as AuditPageData } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatTimestamp } from '../format/time';

const PAGE_SIZE = 50;

function formatDetails(details: Record<string, unknown> | null): string {
  if (!details) return '';
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

// Persisted audit events, newest first. "Older" follows the server's
// next_before cursor; "Newer" walks back through the cursors already used.
export function AuditPage() {
  // Cursors of the pages visited; undefined is the newest page.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState<AuditPageData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [reloads, setReloads] = useState(0);
  const before = cursors[cursors.length - 1];

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    fetchAudit(PAGE_SIZE, before)
      .then(
        (loaded) => {
          if (!cancelled) {
            setPage(loaded);
            setError(null);
          }
        },
        (failure: unknown) => !cancelled && setError(failure),
      )
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [before, reloads]);

  const nextBefore = page?.next_before ?? null;

  return (
    <section className="page page-audit">
      <div className="page-header">
        <h1>Audit</h1>
        <span className="muted">{loading ? 'loading…' : `page ${cursors.length}`}</span>
        <button type="button" className="button button-quiet" disabled={loading} onClick={() => setReloads((count) => count + 1)}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={error} />
      {page && page.events.length === 0 && <p className="empty">No audit events.</p>}
      {page && page.events.length > 0 && (
        <table className="table audit-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Actor</th>
              <th scope="col">Client</th>
              <th scope="col">Session</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((event) => (
              <tr key={event.id} data-audit-id={event.id}>
                <td data-label="Time" className="nowrap">
                  {formatTimestamp(event.time)}
                </td>
                <td data-label="Event">
                  <code>{event.event}</code>
                </td>
                <td data-label="Actor">{event.actor}</td>
                <td data-label="Client">{event.client_addr}</td>
                <td data-label="Session">{event.session_id ?? ''}</td>
                <td data-label="Details" className="details">
                  {formatDetails(event.details)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button type="button" className="button" disabled={cursors.length === 1 || loading} onClick={() => setCursors([undefined])}>
          Newest
        </button>
        <button type="button" className="button" disabled={cursors.length === 1 || loading} onClick={() => setCursors((current) => current.slice(0, -1))}>
          Newer
        </button>
        <button
          type="button"
          className="button"
          disabled={nextBefore === null || loading}
          onClick={() => nextBefore !== null && setCursors((current) => [...current, nextBefore])}
        >
          Older
        </button>
      </div>
    </section>
  );
}
