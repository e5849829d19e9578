import type { KithConfig, SiteConfig } from './config.ts';

export interface Sites {
  byWriteKey(writeKey: string): SiteConfig | undefined;
  /** Whether a browser on `origin` may send to `site`. */
  allowsOrigin(site: SiteConfig, origin: string): boolean;
  /** Whether any site allows `origin` (CORS preflights carry no write key). */
  anyAllowsOrigin(origin: string): boolean;
  byId(id: string): SiteConfig | undefined;
  /** The site, when the collector has exactly one. */
  only(): SiteConfig | undefined;
}

export function createSites(config: KithConfig): Sites {
  const byKey = new Map(config.sites.map((site) => [site.writeKey, site]));
  const matchers = new Map(config.sites.map((site) => [site, site.origins.map(originMatcher)]));
  const allowsOrigin = (site: SiteConfig, origin: string) =>
    (matchers.get(site) ?? []).some((matches) => matches.test(origin));
  return {
    byWriteKey: (writeKey) => byKey.get(writeKey),
    allowsOrigin,
    anyAllowsOrigin: (origin) => config.sites.some((site) => allowsOrigin(site, origin)),
    byId: (id) => config.sites.find((site) => site.id === id),
    only: () => (config.sites.length === 1 ? config.sites[0] : undefined),
  };
}

/**
 * `*` stands for one or more DNS labels in the host ("https://*.shop.example") or for any
 * port (":*"); everything else must match exactly, so "https://evil.example" never passes.
 */
function originMatcher(pattern: string): RegExp {
  const escaped = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  let source = escaped[0] ?? '';
  for (let i = 1; i < escaped.length; i++) {
    source += (source.endsWith(':') ? '\\d{1,5}' : '[a-z0-9-]+(?:\\.[a-z0-9-]+)*') + escaped[i];
  }
  return new RegExp(`^${source}$`, 'i');
}
