import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { fetchSession } from '../api/endpoints';
import type { Session } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { StateBadge } from '../components/StateBadge';
import { SessionNotFound } from '../sessions/SessionNotFound';
import { KeyBar } from '../terminal/KeyBar';
import { connectionLabel, offersReconnect, sessionMissing, streamNotice } from '../terminal/streamView';
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

type SessionLoad =
  | { kind: 'loading' }
  | { kind: 'loaded'; session: Session }
  | { kind: 'not-found' }
  | { kind: 'failed'; error: unknown };

export function TerminalPage() {
  const { id = '' } = useParams();
  // The key gives another id its own record, terminal and stream.
  return <SessionTerminal key={id} id={id} />;
}

// Loads the session record before it mounts the terminal, so an unknown id
// shows one not-found notice instead of a terminal that can never attach.
// Other load failures (network, 503) show the error above the terminal,
// whose stream retries on its own.
function SessionTerminal({ id }: { id: string }) {
  const [load, setLoad] = useState<SessionLoad>({ kind: 'loading' });
  const [streamMissing, setStreamMissing] = useState(false);
  const onMissing = useCallback(() => setStreamMissing(true), []);

  useEffect(() => {
    let cancelled = false;
    fetchSession(id).then(
      (session) => {
        if (!cancelled) {
          setLoad({ kind: 'loaded', session });
        }
      },
      (error: unknown) => {
        if (cancelled) {
          return;
        }
        const notFound = error instanceof ApiError && error.status === 404;
        setLoad(notFound ? { kind: 'not-found' } : { kind: 'failed', error });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [id]);

  if (load.kind === 'not-found' || streamMissing) {
    return <SessionNotFound id={id} />;
  }
  if (load.kind === 'loading') {
    return <p className="empty">Loading terminal…</p>;
  }
  return (
    <TerminalView
      id={id}
      session={load.kind === 'loaded' ? load.session : null}
      loadError={load.kind === 'failed' ? load.error : null}
      onMissing={onMissing}
    />
  );
}

interface TerminalViewProps {
  id: string;
  // The record loaded with the page, or null when loading it failed.
  session: Session | null;
  loadError: unknown;
  // Called when the stream finds no session before it ever attached, as
  // when the session was deleted after the record was loaded.
  onMissing: () => void;
}

function TerminalView({ id, session, loadError, onMissing }: TerminalViewProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [fontSize, setFontSize] = useState(initialFontSize);
  const terminal = useTerminalSession(containerRef, id, fontSize);
  const { status } = terminal;
  const missing = sessionMissing(status);

  useEffect(() => {
    if (missing) {
      onMissing();
    }
  }, [missing, onMissing]);

  function changeFont(step: number) {
    const index = FONT_SIZES.indexOf(fontSize);
    const next = FONT_SIZES[Math.min(FONT_SIZES.length - 1, Math.max(0, index + step))] ?? fontSize;
    window.localStorage.setItem(FONT_SIZE_KEY, String(next));
    setFontSize(next);
  }

  // The stream's state is newer than the record loaded with the page.
  const state = status?.sessionState ?? session?.state ?? null;
  const exitCode = status?.sessionState ? status.exitCode : (session?.exit_code ?? null);
  const notice = streamNotice(status);

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
        {offersReconnect(status) && (
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
      {notice !== null && (
        <div className="notice notice-warn" role="status">
          {notice}
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
