import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { fetchSession } from '../api/endpoints';
import type { Session } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { StateBadge } from '../components/StateBadge';
import { formatDuration } from '../format/time';
import { KeyBar } from '../terminal/KeyBar';
import type { StreamStatus } from '../terminal/streamMachine';
import { useTerminalSession } from '../terminal/useTerminalSession';

const FONT_SIZES = [11, 12, 13, 14, 15, 16, 18, 20];
const FONT_SIZE_KEY = 'opendray.terminal_font_size';

function initialFontSize(): number {
  const stored = Number(window.localStorage.getItem(FONT_SIZE_KEY));
  if (FONT_SIZES.includes(stored)) {
    return stored;
  }
  return window.matchMedia('(max-width: 600px)').matches ? 12 : 14;
}

function connectionLabel(status: StreamStatus | null): string {
  switch (status?.phase) {
    case undefined:
    case 'connecting':
      return 'connecting…';
    case 'live':
      return 'live';
    case 'waiting':
      return status.retryDelayMs === null ? 'reconnecting…' : `reconnecting in ${formatDuration(status.retryDelayMs)}`;
    case 'finished':
      return 'stream ended';
    case 'unauthorized':
      return 'signed out';
    case 'not-found':
      return 'session not found';
    case 'rejected':
      return 'rejected by the server';
    case 'closed':
      return 'closed';
  }
}

export function TerminalPage() {
  const { id = '' } = useParams();
  const containerRef = useRef<HTMLDivElement>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [fontSize, setFontSize] = useState(initialFontSize);
  const terminal = useTerminalSession(containerRef, id, fontSize);
  const { status } = terminal;

  useEffect(() => {
    let cancelled = false;
    fetchSession(id).then(
      (loaded) => !cancelled && setSession(loaded),
      (failure: unknown) => !cancelled && setLoadError(failure),
    );
    return () => {
      cancelled = true;
    };
  }, [id]);

  function changeFont(step: number) {
    const index = FONT_SIZES.indexOf(fontSize);
    const next = FONT_SIZES[Math.min(FONT_SIZES.length - 1, Math.max(0, index + step))] ?? fontSize;
    window.localStorage.setItem(FONT_SIZE_KEY, String(next));
    setFontSize(next);
  }

  // The stream's state is newer than the record loaded with the page.
  const state = status?.sessionState ?? session?.state ?? null;
  const exitCode = status?.sessionState ? status.exitCode : (session?.exit_code ?? null);
  const canRetry = status?.phase === 'waiting' || status?.phase === 'finished' || status?.phase === 'rejected';

  return (
    <section className="page page-terminal">
      <div className="terminal-header">
        <Link to="/sessions" className="button button-quiet button-small" aria-label="Back to sessions">
          ←
        </Link>
        <h1 className="terminal-title" title={session?.command}>
          {session?.name || id}
        </h1>
        {session && <span className="muted provider">{session.provider}</span>}
        <StateBadge state={state} exitCode={exitCode} />
        <span className={`connection connection-${status?.phase ?? 'connecting'}`} role="status" data-testid="connection">
          {connectionLabel(status)}
        </span>
        {canRetry && (
          <button type="button" className="button button-small" onClick={terminal.retry}>
            Reconnect
          </button>
        )}
        <span className="toolbar">
          <span className="muted size" data-testid="terminal-size">
            {terminal.size ? `${terminal.size.cols}×${terminal.size.rows}` : ''}
          </span>
          <button type="button" className="button button-small" onClick={() => changeFont(-1)} aria-label="Smaller font">
            A−
          </button>
          <button type="button" className="button button-small" onClick={() => changeFont(1)} aria-label="Larger font">
            A+
          </button>
          <button type="button" className="button button-small" onClick={() => void terminal.copySelection()} title="Copy the selection (Ctrl+Shift+C)">
            Copy
          </button>
          <button type="button" className="button button-small" onClick={() => void terminal.paste()} title="Paste (Ctrl+Shift+V)">
            Paste
          </button>
        </span>
      </div>
      <ErrorNotice error={loadError} />
      {status?.message && status.phase !== 'live' && (
        <div className="notice notice-warn" role="status">
          {status.message}
        </div>
      )}
      <div
        className="terminal-frame"
        ref={containerRef}
        data-testid="terminal"
        data-phase={status?.phase ?? 'connecting'}
        data-offset={status?.offset ?? ''}
        data-replayed={status?.replayed ? 'true' : 'false'}
        data-renderer={terminal.renderer ?? ''}
        data-cols={terminal.size?.cols ?? ''}
        data-rows={terminal.size?.rows ?? ''}
      />
      <KeyBar ctrlArmed={terminal.ctrlArmed} onToggleCtrl={terminal.toggleCtrl} onKey={terminal.pressKey} />
    </section>
  );
}
