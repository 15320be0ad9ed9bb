// Exponential reconnect delays with jitter, shared by every WebSocket the
// admin UI keeps open.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  // Fraction of the delay that is randomised (0 to 1). The delay is drawn
  // from [delay * (1 - jitter), delay], so it never exceeds maxMs.
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, jitter: 0.25 };

// Returns the delay before reconnect attempt number `attempt` (1 for the
// first retry). `random` returns a number in [0, 1), as Math.random does.
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const uncapped = policy.initialMs * 2 ** Math.min(exponent, 30);
  const capped = Math.min(uncapped, policy.maxMs);
  return Math.round(capped * (1 - policy.jitter * random()));
}
