import { expect } from 'vitest';
import {
  idsOf,
  type ConsentRecord,
  type IdentityLink,
  type LinkHow,
  type NodeRef,
  type PersonKey,
  type RejectedEvent,
  type Storage,
  type StoredEvent,
  type WriteSet,
} from '../../src/storage/storage.ts';

// What every part of the storage contract shares: the subject an adapter's test file hands it, and the fixtures.

/** What an adapter's test file hands the suite: per test, a fresh and empty database. */
export interface StorageUnderTest {
  /** A storage on the fresh database, not yet migrated. */
  storage: Storage;
  /** Another storage on the same database, as a second collector instance would open it. */
  another(): Storage;
  /** Runs SQL on the database past the adapter, to see what the database itself allows. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Makes the database refuse the adapter (a lock held elsewhere, logins refused) until `restore`. */
  cutOff(): Promise<void>;
  restore(): Promise<void>;
  /**
   * What the database holds beyond the rows the adapter reads, as latin1 text, to search for erased
   * values: every byte of the files (SQLite), every row version in the pages, dead ones included
   * (PostgreSQL). Left out where neither is in reach (D1).
   */
  leftovers?(): Promise<string>;
  /** Closes every storage opened here and removes the database. */
  cleanup(): Promise<void>;
}

export const HASH_A = 'a'.repeat(64);
export const HASH_B = 'b'.repeat(64);
export const BANNER_A = { title: 'Wir verwenden Cookies', accept: 'Alle akzeptieren', reject: 'Alle ablehnen' };
export const BANNER_B = { title: 'We use cookies', accept: 'Accept all', reject: 'Reject all' };

export const set = (parts: Partial<WriteSet>): WriteSet => ({ events: [], consents: [], rejected: [], ...parts });

/** Nodes of the identity graph. */
export const anon = (id: string): NodeRef => ({ kind: 'anonymous', id });
export const user = (id: string): NodeRef => ({ kind: 'user', id });
export const device = (id: string): NodeRef => ({ kind: 'device', id });

let clock = 0;
/** A time a second after the last one asked for, so the graph's writes keep their order. */
export const at = () => new Date(Date.UTC(2026, 5, 1, 12, 0, clock++)).toISOString();
/** A link between two nodes, as the pipeline learns it (a login by default). */
export const link = (from: NodeRef, to: NodeRef, how: LinkHow = 'login', site = 'shop'): IdentityLink => ({
  site,
  from,
  to,
  how,
  source: `msg-${clock}`,
  at: at(),
});

export function event(messageId: string, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    type: 'track',
    messageId,
    anonymousId: 'anon-1',
    event: 'Product Added',
    properties: { sku: 'kith-mug', price: 12 },
    context: { page: { path: '/mug', title: 'Mug' }, locale: 'de-DE', ip: '203.0.113.0' },
    site: 'shop',
    timestamp: '2026-06-01T11:59:00.000Z',
    originalTimestamp: '2026-06-01T11:58:58.000Z',
    sentAt: '2026-06-01T11:59:58.000Z',
    receivedAt: '2026-06-01T12:00:00.000Z',
    ...overrides,
  };
}

/** A context as a browser sends it: most of it (all but `page`) the same in each of its events, kept once (storage/event-context.ts). */
export function browserContext(agent: string, path = '/mug'): Record<string, unknown> {
  return {
    page: { path, title: 'Mug', url: `https://shop.example${path}` },
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ${agent} Safari/537.36`,
    locale: 'de-DE',
    timezone: 'Europe/Berlin',
    screen: { width: 1920, height: 1080, density: 1 },
    library: { name: '@kith/sdk', version: '1.0.0' },
    ip: '203.0.113.0',
  };
}

type ConsentOverrides = Partial<ConsentRecord['consent']> & {
  bannerText?: Record<string, string>;
  anonymousId?: string;
};

export function consent(messageId: string, overrides: ConsentOverrides = {}): ConsentRecord {
  const { anonymousId = 'anon-1', ...properties } = overrides;
  return {
    site: 'shop',
    messageId,
    anonymousId,
    timestamp: '2026-06-01T11:59:00.000Z',
    receivedAt: '2026-06-01T12:00:00.000Z',
    consent: {
      policyVersion: '2026-05',
      categories: { necessary: true, analytics: true, marketing: false },
      method: 'custom',
      ...properties,
    },
  };
}

/** The consent log keeps the banner text's hash; the text itself is kept once, apart. */
export function withoutBannerText(record: ConsentRecord): ConsentRecord {
  const { bannerText: _text, ...consent } = record.consent as ConsentRecord['consent'] & { bannerText?: unknown };
  return { ...record, consent };
}

export function rejected(messageId: string): RejectedEvent {
  return {
    site: 'shop',
    receivedAt: '2026-06-01T12:00:00.000Z',
    reason: 'missing_event',
    message: 'A track event needs an "event" name.',
    payload: JSON.stringify({ type: 'track', messageId }),
  };
}

export async function messageIds(storage: Storage, key: PersonKey): Promise<string[]> {
  const person = idsOf('shop', key);
  const ids: string[] = [];
  let before: string | undefined;
  do {
    const page = await storage.events({ ...person, limit: 1000, ...(before ? { before } : {}) });
    ids.push(...page.events.map((e) => e.messageId));
    before = page.next ?? undefined;
  } while (before);
  return ids;
}

export async function expectNothingStored(storage: Storage): Promise<void> {
  expect(await messageIds(storage, { kind: 'anonymous', id: 'anon-1' })).toEqual([]);
  expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).toEqual([]);
  expect(await storage.rejected('shop', 10)).toEqual([]);
  expect(await storage.bannerTexts([HASH_A])).toEqual({});
}
