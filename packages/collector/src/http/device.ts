import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { IdentityLearnt } from '../pipeline/identity.ts';
import type { IdentityLink, Storage } from '../storage/storage.ts';

export const DEVICE_COOKIE = 'kith_did';
// 400 days: the longest lifetime browsers keep a cookie (Chromium caps Max-Age there).
const MAX_AGE = 400 * 24 * 60 * 60;
const DEVICE_ID = /^[0-9a-f-]{36}$/;

export interface DeviceStep {
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
export async function deviceStep(input: {
  storage: Storage;
  bindings: DeviceBindings;
  site: string;
  cookie: string | undefined;
  browser: IdentityLearnt['browser'];
  restore: unknown;
  at: string;
  source: string;
}): Promise<DeviceStep> {
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

  if (input.cookie && input.bindings.has(site, input.cookie, anonymousId))
    return { deviceId: input.cookie, forget: false };
  const known =
    input.cookie && DEVICE_ID.test(input.cookie)
      ? await storage.person(site, { kind: 'device', id: input.cookie })
      : null;
  if (known && input.cookie) {
    if (known.anonymousIds.includes(anonymousId)) {
      input.bindings.add(site, input.cookie, anonymousId);
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
  const kept = await deviceOfAnonymousId(storage, input.bindings, site, anonymousId);
  if (kept) return { deviceId: kept, forget: false };
  const deviceId = crypto.randomUUID();
  return { link: bind(deviceId), deviceId, forget: false };
}

/** The device an anonymous ID was first bound to (from the cache, else the graph); null for a new browser. */
async function deviceOfAnonymousId(
  storage: Storage,
  bindings: DeviceBindings,
  site: string,
  anonymousId: string,
): Promise<string | null> {
  const cached = bindings.deviceOf(site, anonymousId);
  if (cached) return cached;
  const person = await storage.person(site, { kind: 'anonymous', id: anonymousId });
  for (const deviceId of person?.deviceIds ?? []) {
    if ((await storage.deviceAnonymousId(site, deviceId)) === anonymousId) {
      bindings.add(site, deviceId, anonymousId);
      return deviceId;
    }
  }
  return null;
}

/**
 * Device cookies already seen with their anonymous ID, so a returning browser's batches skip the
 * person read. Entries are learnt only from storage and live a minute at most: an erasure through
 * this app clears them at once, one elsewhere (the CLI, another instance) within the minute.
 */
export interface DeviceBindings {
  has(site: string, deviceId: string, anonymousId: string): boolean;
  /** The device an anonymous ID was seen bound to, for a browser that sends no cookie. */
  deviceOf(site: string, anonymousId: string): string | undefined;
  add(site: string, deviceId: string, anonymousId: string): void;
  clear(): void;
}

export function createDeviceBindings(ttlMs = 60_000, maxEntries = 100_000): DeviceBindings {
  const seenAt = new Map<string, number>();
  const devices = new Map<string, { deviceId: string; at: number }>();
  const key = (site: string, deviceId: string, anonymousId: string) => `${site}\n${deviceId}\n${anonymousId}`;
  const fresh = (at: number | undefined) => at !== undefined && Date.now() - at < ttlMs;
  return {
    has: (site, deviceId, anonymousId) => fresh(seenAt.get(key(site, deviceId, anonymousId))),
    deviceOf(site, anonymousId) {
      const found = devices.get(`${site}\n${anonymousId}`);
      return found && fresh(found.at) ? found.deviceId : undefined;
    },
    add(site, deviceId, anonymousId) {
      if (seenAt.size >= maxEntries) seenAt.delete(seenAt.keys().next().value!);
      if (devices.size >= maxEntries) devices.delete(devices.keys().next().value!);
      seenAt.set(key(site, deviceId, anonymousId), Date.now());
      devices.set(`${site}\n${anonymousId}`, { deviceId, at: Date.now() });
    },
    clear: () => {
      seenAt.clear();
      devices.clear();
    },
  };
}

/** Sets, renews or deletes the HttpOnly device cookie on the response. */
export function applyDeviceCookie(c: Context, step: DeviceStep): void {
  const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  if (step.deviceId) {
    setCookie(c, DEVICE_COOKIE, step.deviceId, { path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAge: MAX_AGE });
  } else if (step.forget) {
    deleteCookie(c, DEVICE_COOKIE, { path: '/', secure });
  }
}

export const deviceCookie = (c: Context) => getCookie(c, DEVICE_COOKIE);
