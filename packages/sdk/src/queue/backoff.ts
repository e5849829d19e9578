const BASE = 1000;
const CAP = 60000;

/**
 * Milliseconds to wait after the `tries`-th failed send of a batch: the collector's Retry-After
 * (seconds or an HTTP date) when it gave one, else "full jitter", a random time up to
 * min(CAP, BASE·2^(tries-1)), which spreads out the clients that failed together.
 */
export function retryDelay(tries: number, retryAfter: string | null | undefined): number {
  const after = !retryAfter ? NaN : isNaN(+retryAfter) ? Date.parse(retryAfter) - Date.now() : +retryAfter * 1000;
  return after >= 0 ? after : Math.random() * Math.min(CAP, BASE * 2 ** (tries - 1));
}
