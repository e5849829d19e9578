import type { IdentityLink, Storage } from '../storage/storage.ts';
import type { DeviceBindingCache } from './device-cache.ts';
import type { IdentityLearnt } from './learn.ts';

const DEVICE_ID = /^[0-9a-f-]{36}$/;

export interface DeviceDecision {
  /** The edge to store with the request's events, if the cookie taught one. */
  link?: IdentityLink;
  /** The device ID to set (or renew) as the cookie; none without analytics consent. */
  deviceId?: string;
  /** Answer to `restore`: the anonymous ID this browser had before its script cookie was wiped. */
  restoredAnonymousId?: string;
  forget: boolean;
}

/**
 * The server cookie on a consented browser request. The device stays bound to the anonymous ID it
 * was given with; a browser that comes back with another ID either lost its script cookie (the SDK
 * says so with `restore`: the two are linked and the old ID is handed back) or started afresh
 * after a logout or a withdrawn consent (no `restore`: a new device, so the next person on a shared
 * device is not joined to the last).
 */
export async function decideDevice(input: {
  storage: Storage;
  cache: DeviceBindingCache;
  site: string;
  cookie: string | undefined;
  browser: IdentityLearnt['browser'];
  restore: unknown;
  at: string;
  source: string;
}): Promise<DeviceDecision> {
  const { storage, site, browser } = input;
  if (!browser) return { forget: false };
  if (!browser.analytics || !browser.anonymousId) return { forget: input.cookie !== undefined };
  const anonymousId = browser.anonymousId;
  const bind = (deviceId: string): IdentityLink => ({
    site,
    from: { kind: 'device', id: deviceId },
    to: { kind: 'anonymous', id: anonymousId },
    how: 'cookie',
    source: input.source,
    at: input.at,
  });

  if (input.cookie && input.cache.has(site, input.cookie, anonymousId))
    return { deviceId: input.cookie, forget: false };
  const known =
    input.cookie && DEVICE_ID.test(input.cookie)
      ? await storage.person(site, { kind: 'device', id: input.cookie })
      : null;
  if (known && input.cookie) {
    if (known.anonymousIds.includes(anonymousId)) {
      input.cache.add(site, input.cookie, anonymousId);
      return { deviceId: input.cookie, forget: false };
    }
    if (input.restore === anonymousId) {
      const surviving = await storage.deviceAnonymousId(site, input.cookie);
      return {
        link: bind(input.cookie),
        deviceId: input.cookie,
        forget: false,
        ...(surviving && surviving !== anonymousId ? { restoredAnonymousId: surviving } : {}),
      };
    }
  }
  // No usable cookie: a collector on another site gets none back (browsers keep no third-party
  // cookie), so the browser's anonymous ID finds the device it was first given with.
  const kept = await deviceOfAnonymousId(storage, input.cache, site, anonymousId);
  if (kept) return { deviceId: kept, forget: false };
  const deviceId = crypto.randomUUID();
  return { link: bind(deviceId), deviceId, forget: false };
}

/** The device an anonymous ID was first bound to (from the cache, else the graph); null for a new browser. */
async function deviceOfAnonymousId(
  storage: Storage,
  cache: DeviceBindingCache,
  site: string,
  anonymousId: string,
): Promise<string | null> {
  const cached = cache.deviceOf(site, anonymousId);
  if (cached) return cached;
  const person = await storage.person(site, { kind: 'anonymous', id: anonymousId });
  for (const deviceId of person?.deviceIds ?? []) {
    if ((await storage.deviceAnonymousId(site, deviceId)) === anonymousId) {
      cache.add(site, deviceId, anonymousId);
      return deviceId;
    }
  }
  return null;
}
