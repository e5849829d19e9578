import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff.ts';

const retry = { initialMs: 100, maxMs: 1000 };

describe('retry delays', () => {
  it('double from initialMs up to maxMs, each between half and all of that', () => {
    const lowest = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(attempt, retry, 0, () => 0));
    const highest = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(attempt, retry, 0, () => 1));
    expect(lowest).toEqual([50, 100, 200, 400, 500, 500]);
    expect(highest).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retryDelay(10_000, retry, 0, () => 1)).toBe(1000);
  });

  it('wait at least what the destination asked for (Retry-After), but no longer than maxMs', () => {
    expect(retryDelay(1, retry, 700, () => 0)).toBe(700);
    expect(retryDelay(1, retry, 60_000, () => 0)).toBe(1000);
  });
});
