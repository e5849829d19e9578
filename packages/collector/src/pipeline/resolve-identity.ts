// The pipeline's last step: who the request's events belong to. It decides the device behind a
// browser request (the HttpOnly cookie, identity/device.ts), settles what an alias's previousId is,
// and, when the operator turned stitching on, records the signals a new browser is scored by.
import type { DeviceBindingCache } from '../identity/device-cache.ts';
import { decideDevice, type DeviceDecision } from '../identity/device.ts';
import type { IdentityLearnt } from '../identity/learn.ts';
import type { IdentityLink, Storage, WriteSet } from '../storage/storage.ts';

/** What the step needs from the request and the collector. */
export interface IdentityContext {
  storage: Storage;
  devices: DeviceBindingCache;
  /** The device cookie the request carried. */
  cookie: string | undefined;
  /** The SDK's `restore`: the anonymous ID it holds after its script cookie was wiped. */
  restore: unknown;
  /** The request ID, recorded as the source of a device edge. */
  source: string;
  /** Opt-in probabilistic stitching (config `stitching`). */
  stitching: boolean;
}

/** Adds the device, the settled links and the stitching signal to the write set; returns the device decision for the cookie. */
export async function resolveIdentity(
  set: WriteSet,
  browser: IdentityLearnt['browser'],
  site: string,
  receivedAt: Date,
  context: IdentityContext,
): Promise<DeviceDecision> {
  const device = await decideDevice({
    storage: context.storage,
    cache: context.devices,
    site,
    cookie: context.cookie,
    browser,
    restore: context.restore,
    at: receivedAt.toISOString(),
    source: context.source,
  });
  if (device.deviceId) for (const event of set.events) if (event.context?.consent) event.deviceId = device.deviceId;
  // The device edge goes first: a restored ID must join its person before a login in the same batch.
  const links = [...(device.link ? [device.link] : []), ...(await settleAliases(context.storage, set.links ?? []))];
  if (links.length > 0) set.links = links;
  // Opt-in: a browser new to the collector is scored against recent ones, as candidates only.
  if (context.stitching && device.link && !device.restoredAnonymousId && browser?.anonymousId && browser.ip) {
    set.stitch = [
      {
        site,
        anonymousId: browser.anonymousId,
        ip: browser.ip,
        userAgent: browser.userAgent ?? '',
        seenAt: Math.floor(receivedAt.getTime() / 1000),
      },
    ];
  }
  return device;
}

/** An alias's previousId is a user ID when the graph knows it as one (a renamed account), else anonymous. */
async function settleAliases(storage: Storage, links: IdentityLink[]): Promise<IdentityLink[]> {
  return Promise.all(
    links.map(async (link) => {
      if (link.how !== 'alias' || !(await storage.person(link.site, { kind: 'user', id: link.from.id }))) return link;
      return { ...link, from: { kind: 'user', id: link.from.id } };
    }),
  );
}
