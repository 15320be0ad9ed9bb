import type { SessionState } from '../api/types';

// Labels a session state, with the exit code for a finished process.
export function stateLabel(state: SessionState | null, exitCode: number | null): string {
  if (state === null) {
    return 'unknown';
  }
  if ((state === 'ended' || state === 'stopped') && exitCode !== null) {
    return `${state} (exit ${exitCode})`;
  }
  return state;
}

export function StateBadge({ state, exitCode }: { state: SessionState | null; exitCode: number | null }) {
  return (
    <span className={`badge badge-${state ?? 'unknown'}`} data-state={state ?? 'unknown'}>
      {stateLabel(state, exitCode)}
    </span>
  );
}
