// Failed console sign-ins, counted per client address in a fixed window: guessing the token from
// one address stops after a few tries, and a flood from many is capped as a whole.

export interface SigninLimit {
  /** Seconds to wait when the address (or everyone) has failed too often; 0 when it may try. */
  retryAfter(address: string): number;
  failed(address: string): void;
}

const PER_ADDRESS = 5;
const IN_ALL = 100;
const WINDOW_MS = 15 * 60 * 1000;
const MAX_ADDRESSES = 10_000;

export function createSigninLimit(now: () => number): SigninLimit {
  const failures = new Map<string, { count: number; since: number }>();
  let all = { count: 0, since: now() };
  const current = (entry: { count: number; since: number } | undefined) =>
    entry && now() - entry.since < WINDOW_MS ? entry : undefined;
  const wait = (entry: { since: number }) => Math.max(1, Math.ceil((entry.since + WINDOW_MS - now()) / 1000));
  return {
    retryAfter(address) {
      const mine = current(failures.get(address));
      if (mine && mine.count >= PER_ADDRESS) return wait(mine);
      return current(all) && all.count >= IN_ALL ? wait(all) : 0;
    },
    failed(address) {
      const mine = current(failures.get(address)) ?? { count: 0, since: now() };
      mine.count += 1;
      failures.delete(address);
      if (failures.size >= MAX_ADDRESSES) failures.delete(failures.keys().next().value!);
      failures.set(address, mine);
      if (!current(all)) all = { count: 0, since: now() };
      all.count += 1;
    },
  };
}
