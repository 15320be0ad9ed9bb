// Human-readable durations and timestamps for tables.

// Formats a duration in milliseconds with its two largest units, such as
// "45s", "12m 5s", "3h 20m" or "2d 4h". Negative values (clock skew between
// browser and server) count as zero.
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

// Returns the milliseconds from an RFC 3339 time to `now`, or null when the
// time is missing or invalid.
export function elapsedSince(time: string | null | undefined, now: number): number | null {
  if (!time) {
    return null;
  }
  const at = Date.parse(time);
  return Number.isNaN(at) ? null : now - at;
}

// Formats an RFC 3339 time in the browser's locale and time zone.
export function formatTimestamp(time: string): string {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) {
    return time;
  }
  return at.toLocaleString(undefined, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

// Formats the time of day with milliseconds, for log lines.
export function formatClock(time: string): string {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) {
    return time;
  }
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}
