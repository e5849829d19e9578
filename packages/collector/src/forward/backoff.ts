export interface RetryOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * The wait before try `attempt + 1`: doubling from `initialMs`, capped at `maxMs`, and spread between
 * half and all of that so that forwarders failing together do not come back together. A wait the
 * destination asked for (Retry-After) is kept, up to the cap.
 */
export function retryDelay(
  attempt: number,
  retry: RetryOptions,
  askedMs = 0,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 52));
  return Math.min(retry.maxMs, Math.max(askedMs, ceiling / 2 + (random() * ceiling) / 2));
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
