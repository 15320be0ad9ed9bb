import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';
import { classifyClose } from './closeCodes';

describe('backoffDelay', () => {
  const policy = { initialMs: 250, maxMs: 10_000, jitter: 0.5 };

  it('doubles per attempt without jitter', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, noJitter))).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it('never exceeds the maximum', () => {
    expect(backoffDelay(50, policy, () => 0)).toBe(10_000);
    expect(backoffDelay(1000, policy, () => 0)).toBe(10_000);
  });

  it('draws jitter below the nominal delay', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(500);
  });
});

describe('classifyClose', () => {
  it.each([
    [1000, 'normal'],
    [1001, 'transient'],
    [1006, 'transient'],
    [1011, 'transient'],
    [1008, 'rejected'],
    [4001, 'unauthorized'],
    [4401, 'unauthorized'],
    [4004, 'not-found'],
    [4404, 'not-found'],
  ])('classifies %d as %s', (code, kind) => {
    expect(classifyClose(code)).toBe(kind);
  });
});
