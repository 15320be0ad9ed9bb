import type { LogRecord } from '../api/types';

// Filtering and buffering of log records for the live tail page.

export type LevelName = 'debug' | 'info' | 'warn' | 'error';

// slog's numeric levels: DEBUG -4, INFO 0, WARN 4, ERROR 8.
const LEVEL_VALUES: Record<LevelName, number> = { debug: -4, info: 0, warn: 4, error: 8 };

export const LEVEL_NAMES: readonly LevelName[] = ['debug', 'info', 'warn', 'error'];

// Returns slog's numeric value for a level string such as "INFO", "warn",
// "WARNING" or "ERROR+2" (slog prints in-between levels as a base name plus
// an offset). Unknown names count as INFO so a record is never hidden for
// carrying a level this page does not know.
export function levelValue(level: string): number {
  const match = /^([a-z]+)([+-]\d+)?$/i.exec(level.trim());
  if (!match) {
    return LEVEL_VALUES.info;
  }
  const name = match[1]!.toLowerCase();
  const base = name === 'warning' ? LEVEL_VALUES.warn : LEVEL_VALUES[name as LevelName];
  if (base === undefined) {
    return LEVEL_VALUES.info;
  }
  return base + (match[2] ? Number(match[2]) : 0);
}

// Returns the name of the standard level at or below a record's level, for
// colouring.
export function levelClass(level: string): LevelName {
  const value = levelValue(level);
  if (value >= LEVEL_VALUES.error) return 'error';
  if (value >= LEVEL_VALUES.warn) return 'warn';
  if (value >= LEVEL_VALUES.info) return 'info';
  return 'debug';
}

export interface LogFilter {
  minLevel: LevelName;
  // Case-insensitive text that the message or an attribute must contain;
  // empty matches everything.
  text: string;
}

// Formats attributes as key=value pairs, the way slog's text handler does.
export function formatAttrs(attrs: LogRecord['attrs']): string {
  if (!attrs) {
    return '';
  }
  return Object.entries(attrs)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

export function matchesFilter(record: LogRecord, filter: LogFilter): boolean {
  if (levelValue(record.level) < LEVEL_VALUES[filter.minLevel]) {
    return false;
  }
  const needle = filter.text.trim().toLowerCase();
  if (needle === '') {
    return true;
  }
  return (
    record.message.toLowerCase().includes(needle) ||
    formatAttrs(record.attrs).toLowerCase().includes(needle) ||
    record.level.toLowerCase().includes(needle)
  );
}

export interface LogBufferState {
  // Records shown, oldest first.
  shown: LogRecord[];
  // Records that arrived while paused, not shown yet.
  pendingCount: number;
  paused: boolean;
  // Records discarded because the pending list was full during a pause.
  droppedWhilePaused: number;
  // Records the server reported as lost from the stream.
  missed: number;
}

// Holds the records of the live tail. The shown list keeps the newest
// `maxShown` records, older ones scroll out. While paused, new records wait
// in a pending list of at most `maxPending`, dropping the oldest when full,
// and join the shown list on resume.
export class LogBuffer {
  private shown: LogRecord[] = [];
  private pending: LogRecord[] = [];
  private paused = false;
  private droppedWhilePaused = 0;
  private missed = 0;
  private lastSeq = -Infinity;
  private readonly maxShown: number;
  private readonly maxPending: number;

  constructor(maxShown = 2000, maxPending = 2000) {
    this.maxShown = maxShown;
    this.maxPending = maxPending;
  }

  state(): LogBufferState {
    return {
      shown: this.shown,
      pendingCount: this.pending.length,
      paused: this.paused,
      droppedWhilePaused: this.droppedWhilePaused,
      missed: this.missed,
    };
  }

  // Highest sequence number seen, or null before the first record.
  lastSequence(): number | null {
    return this.lastSeq === -Infinity ? null : this.lastSeq;
  }

  // Adds records. Records at or below the last sequence seen are
  // duplicates from a resumed stream and are ignored. Returns whether
  // anything was added.
  add(records: readonly LogRecord[]): boolean {
    const fresh = records.filter((record) => record.seq > this.lastSeq).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0) {
      return false;
    }
    this.lastSeq = fresh[fresh.length - 1]!.seq;
    if (this.paused) {
      const pending = [...this.pending, ...fresh];
      const overflow = Math.max(0, pending.length - this.maxPending);
      this.droppedWhilePaused += overflow;
      this.pending = pending.slice(overflow);
    } else {
      this.shown = newest([...this.shown, ...fresh], this.maxShown);
    }
    return true;
  }

  // Counts records the server reported as lost (a gap in the stream).
  addMissed(count: number): void {
    this.missed += Math.max(0, count);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) {
      return;
    }
    this.paused = false;
    this.shown = newest([...this.shown, ...this.pending], this.maxShown);
    this.pending = [];
  }

  // Empties the shown list; the sequence position is kept so a resumed
  // stream does not bring cleared records back.
  clear(): void {
    this.shown = [];
    this.pending = [];
  }
}

function newest(records: LogRecord[], limit: number): LogRecord[] {
  return records.length <= limit ? records : records.slice(records.length - limit);
}
