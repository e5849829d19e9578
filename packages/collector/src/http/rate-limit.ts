import type { Context } from 'hono';
import type { Env, ResolvedDeps } from '../deps.ts';
import { KithError } from '../errors.ts';
import { clientKey } from '../pipeline/ip.ts';

export interface RateLimiter {
  /** Takes one request from `key`'s budget; throws 429 with Retry-After when it is spent. */
  take(key: string): void;
}

// Enough keys for a busy site's visitors; beyond it the oldest (least recently new) go first.
const MAX_KEYS = 50_000;

/**
 * A token bucket per key: `perSecond` sustained, bursts of twice that. Per collector instance:
 * with several instances behind a balancer the limit applies to each.
 */
export function createRateLimiter(perSecond: number, now: () => number, what: string): RateLimiter {
  const burst = perSecond * 2;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      if (perSecond <= 0) return;
      const time = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: time };
      bucket.tokens = Math.min(burst, bucket.tokens + ((time - bucket.at) / 1000) * perSecond);
      bucket.at = time;
      if (bucket.tokens < 1) {
        const wait = Math.ceil((1 - bucket.tokens) / perSecond);
        throw new KithError('rate_limited', 429, `Too many requests from this ${what}; retry after ${wait} s.`, {
          'Retry-After': String(wait),
        });
      }
      bucket.tokens -= 1;
      if (!buckets.has(key) && buckets.size >= MAX_KEYS) buckets.delete(buckets.keys().next().value!);
      buckets.set(key, bucket);
    },
  };
}

/** The collector's limits, shared by every route that writes: per client (an IPv4 address or an IPv6 /64) and per site. */
export interface RequestLimits {
  /** Takes one request from the client's budget; throws 429 when it is spent. */
  admitClient(c: Context<Env>): void;
  admitSite(siteId: string): void;
}

export function createRequestLimits(deps: ResolvedDeps): RequestLimits {
  const now = () => deps.clock().getTime();
  const perClient = createRateLimiter(deps.config.rateLimit.perAddress, now, 'address');
  const perSite = createRateLimiter(deps.config.rateLimit.perSite, now, 'site');
  return {
    admitClient(c) {
      const address = deps.clientInfo?.(c).address;
      if (address) perClient.take(clientKey(address));
    },
    admitSite: (siteId) => perSite.take(siteId),
  };
}
