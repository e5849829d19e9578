import type { ConsentProperties } from '@kith/sdk/contract';
import type { IdentityLink, StoredEvent, TraitsUpdate } from '../storage/storage.ts';

/** What a request's events teach the identity graph. Links only come from identify and alias. */
export interface IdentityLearnt {
  links: IdentityLink[];
  traits: TraitsUpdate[];
  /** The browser behind the request, from its last event that carries a consent state; none for server-side senders. */
  browser?: { anonymousId?: string; analytics: boolean; ip?: string; userAgent?: string };
}

export function learnIdentity(events: StoredEvent[]): IdentityLearnt {
  const links = new Map<string, IdentityLink>();
  const traits: TraitsUpdate[] = [];
  let browser: IdentityLearnt['browser'];

  const link = (event: StoredEvent, from: IdentityLink['from'], how: IdentityLink['how']) => {
    if (!event.userId) return;
    const to = { kind: 'user', id: event.userId } as const;
    // A page sends the same identify on every view: one edge per pair is enough.
    const key = JSON.stringify([from.kind, from.id, to.id, how]);
    if (!links.has(key))
      links.set(key, { site: event.site, from, to, how, source: event.messageId, at: event.timestamp });
  };

  for (const event of events) {
    if (event.type === 'identify') {
      if (event.anonymousId) link(event, { kind: 'anonymous', id: event.anonymousId }, 'login');
      const node = event.userId
        ? ({ kind: 'user', id: event.userId } as const)
        : event.anonymousId
          ? ({ kind: 'anonymous', id: event.anonymousId } as const)
          : null;
      if (node && event.traits && Object.keys(event.traits).length > 0)
        traits.push({ site: event.site, node, traits: event.traits, at: event.timestamp });
    }
    // The previous ID's kind (user or anonymous) is settled against the graph before writing: see ingest.
    if (event.type === 'alias' && event.previousId) link(event, { kind: 'anonymous', id: event.previousId }, 'alias');

    const categories =
      event.type === 'consent'
        ? (event.properties as unknown as ConsentProperties | undefined)?.categories
        : event.context?.consent?.categories;
    if (categories) {
      const { ip, userAgent } = event.context ?? {};
      browser = {
        analytics: categories.analytics === true,
        ...(event.anonymousId ? { anonymousId: event.anonymousId } : {}),
        ...(typeof ip === 'string' ? { ip } : {}),
        ...(typeof userAgent === 'string' ? { userAgent } : {}),
      };
    }
  }
  return { links: [...links.values()], traits, ...(browser ? { browser } : {}) };
}
