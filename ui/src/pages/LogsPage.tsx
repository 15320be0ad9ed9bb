import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatClock } from '../format/time';
import { formatAttrs, LEVEL_NAMES, levelClass, matchesFilter, type LevelName } from '../logs/logFilter';
import { useLogTail } from '../logs/useLogTail';

const PHASE_LABELS = {
  connecting: 'connecting',
  live: 'live',
  waiting: 'reconnecting',
  unauthorized: 'signed out',
  closed: 'closed',
} as const;

export function LogsPage() {
  const tail = useLogTail();
  const [minLevel, setMinLevel] = useState<LevelName>('debug');
  const [text, setText] = useState('');
  const listRef = useRef<HTMLDivElement>(null);
  const followRef = useRef(true);

  const visible = useMemo(() => tail.shown.filter((record) => matchesFilter(record, { minLevel, text })), [tail.shown, minLevel, text]);

  // Keep the newest record in view unless the user scrolled up to read.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list && followRef.current) {
      list.scrollTop = list.scrollHeight;
    }
  }, [visible]);

  function onScroll() {
    const list = listRef.current;
    if (list) {
      followRef.current = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    }
  }

  return (
    <section className="page page-logs">
      <div className="page-header">
        <h1>Logs</h1>
        <span className={`feed feed-${tail.phase}`} data-testid="log-phase">
          {tail.paused ? 'paused' : PHASE_LABELS[tail.phase]}
        </span>
      </div>
      <div className="log-controls">
        <label className="field field-inline">
          <span>Level</span>
          <select value={minLevel} onChange={(event) => setMinLevel(event.target.value as LevelName)} aria-label="Minimum level">
            {LEVEL_NAMES.map((level) => (
              <option key={level} value={level}>
                {level} and above
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline field-grow">
          <span>Filter</span>
          <input type="search" placeholder="text in message or attributes" value={text} onChange={(event) => setText(event.target.value)} aria-label="Filter text" />
        </label>
        {tail.paused ? (
          <button type="button" className="button button-primary" onClick={tail.resume}>
            Resume{tail.pendingCount > 0 ? ` (${tail.pendingCount} new)` : ''}
          </button>
        ) : (
          <button type="button" className="button" onClick={tail.pause}>
            Pause
          </button>
        )}
        <button type="button" className="button button-quiet" onClick={tail.clear}>
          Clear
        </button>
      </div>
      <ErrorNotice error={tail.error} />
      <p className="muted log-summary">
        Showing {visible.length} of {tail.shown.length} records
        {tail.droppedWhilePaused > 0 && `; ${tail.droppedWhilePaused} dropped while paused (buffer full)`}
        {tail.missed > 0 && `; ${tail.missed} missed by the stream`}
      </p>
      <div className="log-list" ref={listRef} onScroll={onScroll} role="log" aria-live="off">
        {visible.map((record) => (
          <div key={record.seq} className={`log-line level-${levelClass(record.level)}`} data-seq={record.seq}>
            <span className="log-time">{formatClock(record.time)}</span>
            <span className="log-level">{record.level}</span>
            <span className="log-message">{record.message}</span>
            <span className="log-attrs">{formatAttrs(record.attrs)}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
