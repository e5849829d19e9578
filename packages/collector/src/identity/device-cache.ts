// Which device cookie goes with which anonymous ID, remembered briefly so a returning browser's
// batches skip the graph read (see device.ts).

/**
 * Device cookies already seen with their anonymous ID, so a returning browser's batches skip the
 * person read. Entries are learnt only from storage and live a minute at most: an erasure through
 * this app clears them at once, one elsewhere (the CLI, another instance) within the minute.
 */
export interface DeviceBindingCache {
  has(site: string, deviceId: string, anonymousId: string): boolean;
  /** The device an anonymous ID was seen bound to, for a browser that sends no cookie. */
  deviceOf(site: string, anonymousId: string): string | undefined;
  add(site: string, deviceId: string, anonymousId: string): void;
  clear(): void;
}

export function createDeviceBindingCache(ttlMs = 60_000, maxEntries = 100_000): DeviceBindingCache {
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
