import { describe, expect, it } from 'vitest';
import type { IdentityLink, NodeRef, Storage, WriteSet } from '../../src/storage/storage.ts';

// The console's part of the storage contract (see index.ts, which runs it for every adapter).

const SITE = 'shop';
const anon = (id: string): NodeRef => ({ kind: 'anonymous', id });
const user = (id: string): NodeRef => ({ kind: 'user', id });
const device = (id: string): NodeRef => ({ kind: 'device', id });
const at = (second: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, second)).toISOString();
const link = (from: NodeRef, to: NodeRef, second: number, site = SITE): IdentityLink => ({
  site,
  from,
  to,
  how: 'login',
  source: `m${second}`,
  at: at(second),
});
const write = (storage: Storage, parts: Partial<WriteSet>) =>
  storage.write({ events: [], consents: [], rejected: [], ...parts });
const found = (hits: { kind: string; id: string }[]) => hits.map((hit) => `${hit.kind}:${hit.id}`);

export function describeConsoleConformance(adapter: string, storage: () => Storage): void {
  describe(`${adapter} storage: the console's person search`, () => {
    it('finds a person by an ID, exactly or by its start, and by the e-mail trait ignoring case', async () => {
      await write(storage(), {
        links: [
          link(anon('anon-ada-1'), user('customer-1042'), 1),
          link(device('dev-9'), anon('anon-ada-1'), 2),
          link(anon('anon-bob'), user('customer-7'), 3),
        ],
        traits: [{ site: SITE, node: user('customer-1042'), traits: { email: 'Ada@Example.com' }, at: at(4) }],
      });
      const ada = (await storage().person(SITE, user('customer-1042')))!.personId;

      expect(await storage().findPersons(SITE, 'customer-1042', 10)).toEqual([
        { personId: ada, kind: 'user', id: 'customer-1042', firstSeen: at(1) },
      ]);
      expect(found(await storage().findPersons(SITE, 'customer-', 10)).sort()).toEqual([
        'user:customer-1042',
        'user:customer-7',
      ]);
      expect(found(await storage().findPersons(SITE, 'dev-9', 10))).toEqual(['device:dev-9']);
      expect(await storage().findPersons(SITE, 'ada@example.com', 10)).toMatchObject([
        { personId: ada, kind: 'user', id: 'customer-1042' },
      ]);
      expect(found(await storage().findPersons(SITE, 'ada@', 10))).toEqual(['user:customer-1042']);
      expect(await storage().findPersons(SITE, 'nobody', 10)).toEqual([]);
      // A LIKE pattern is only text here.
      expect(await storage().findPersons(SITE, '%', 10)).toEqual([]);
      expect(await storage().findPersons('other-site', 'customer-1042', 10)).toEqual([]);
    });

    it('puts the exact match before longer IDs that start with it, and keeps to the limit', async () => {
      await write(storage(), {
        links: [
          link(anon('a-10'), user('u-10'), 1),
          link(anon('a-1'), user('u-1'), 2),
          link(anon('a-11'), user('u-11'), 3),
        ],
      });
      expect(found(await storage().findPersons(SITE, 'u-1', 2))[0]).toBe('user:u-1');
      expect(await storage().findPersons(SITE, 'u-1', 2)).toHaveLength(2);
    });

    it('finds an ID that only events name, as the person of that ID alone', async () => {
      await write(storage(), {
        events: [
          {
            type: 'track',
            event: 'Order Completed',
            messageId: 'e1',
            userId: 'backend-user',
            site: SITE,
            timestamp: at(5),
            receivedAt: at(6),
          },
        ],
      });
      expect(await storage().findPersons(SITE, 'backend-user', 10)).toEqual([
        { personId: 'user:backend-user', kind: 'user', id: 'backend-user', firstSeen: at(5) },
      ]);
      expect(await storage().findPersons(SITE, 'backend', 10)).toEqual([]);
    });

    it('lists the nodes learnt last, newest first, of the site only', async () => {
      await write(storage(), {
        links: [
          link(anon('a1'), user('u1'), 1),
          link(anon('a2'), user('u2'), 7),
          link(anon('x'), user('y'), 9, 'other-site'),
        ],
      });
      expect(found(await storage().recentPersons(SITE, 3))).toEqual(
        expect.arrayContaining(['user:u2', 'anonymous:a2']),
      );
      expect((await storage().recentPersons(SITE, 10)).map((hit) => hit.firstSeen)).toEqual([
        at(7),
        at(7),
        at(1),
        at(1),
      ]);
    });
  });
}

export function describeOverviewConformance(adapter: string, storage: () => Storage): void {
  describe(`${adapter} storage: the console's overview`, () => {
    it('counts events, persons and user IDs per day, consents by choice and category, top events and refusals, in the period only', async () => {
      const track = (
        messageId: string,
        timestamp: string,
        ids: { anonymousId: string; userId?: string },
        name = 'Product Added',
      ) => ({ type: 'track' as const, event: name, messageId, ...ids, site: SITE, timestamp, receivedAt: timestamp });
      const consent = (
        messageId: string,
        timestamp: string,
        method: 'accept-all' | 'reject-all',
        analytics: boolean,
      ) => ({
        site: SITE,
        messageId,
        anonymousId: messageId,
        timestamp,
        receivedAt: timestamp,
        consent: { policyVersion: '2', method, categories: { necessary: true, analytics, marketing: false } },
      });
      await write(storage(), {
        events: [
          track('e1', '2026-06-01T08:00:00.000Z', { anonymousId: 'a1' }),
          track('e2', '2026-06-01T09:00:00.000Z', { anonymousId: 'a1', userId: 'u1' }, 'Order Completed'),
          track('e3', '2026-06-01T10:00:00.000Z', { anonymousId: 'a2' }),
          track('e4', '2026-06-02T10:00:00.000Z', { anonymousId: 'a2' }),
          track('before', '2026-05-31T23:59:59.000Z', { anonymousId: 'a9' }),
          track('after', '2026-06-03T00:00:00.000Z', { anonymousId: 'a9' }),
          { ...track('other-site', '2026-06-01T10:00:00.000Z', { anonymousId: 'a1' }), site: 'other' },
        ],
        consents: [
          consent('c1', '2026-06-01T08:00:00.000Z', 'accept-all', true),
          consent('c2', '2026-06-01T09:00:00.000Z', 'accept-all', true),
          consent('c3', '2026-06-02T09:00:00.000Z', 'reject-all', false),
        ],
        rejected: [
          { site: SITE, receivedAt: '2026-06-01T10:00:00.000Z', reason: 'no_consent', message: 'm', payload: '{}' },
        ],
      });
      expect(await storage().overview(SITE, '2026-06-01T00:00:00.000Z', '2026-06-03T00:00:00.000Z')).toEqual({
        days: [
          { day: '2026-06-01', events: 3, persons: 3, identified: 1 },
          { day: '2026-06-02', events: 1, persons: 1, identified: 0 },
        ],
        consentChoices: [
          { method: 'accept-all', policyVersion: '2', count: 2 },
          { method: 'reject-all', policyVersion: '2', count: 1 },
        ],
        consentCategories: [
          { category: 'analytics', granted: 2, total: 3 },
          { category: 'marketing', granted: 0, total: 3 },
          { category: 'necessary', granted: 3, total: 3 },
        ],
        topEvents: [
          { name: 'Product Added', count: 3 },
          { name: 'Order Completed', count: 1 },
        ],
        refused: [{ reason: 'no_consent', count: 1 }],
      });
    });

    it('counts a resent event once, and forgets erased and expired events and their senders', async () => {
      const track = (messageId: string, timestamp: string, anonymousId: string, userId?: string) => ({
        type: 'track' as const,
        event: 'Product Viewed',
        messageId,
        anonymousId,
        ...(userId ? { userId } : {}),
        site: SITE,
        timestamp,
        receivedAt: timestamp,
      });
      const events = [
        track('k1', '2026-06-01T08:00:00.000Z', 'kim-phone'),
        track('k2', '2026-06-01T09:00:00.000Z', 'kim-phone', 'kim'),
        track('k3', '2026-06-02T09:00:00.000Z', 'kim-laptop', 'kim'),
        track('o1', '2026-06-02T10:00:00.000Z', 'other'),
      ];
      await write(storage(), {
        events,
        links: [
          {
            site: SITE,
            from: anon('kim-phone'),
            to: user('kim'),
            how: 'login',
            source: 'k2',
            at: events[1]!.timestamp,
          },
          {
            site: SITE,
            from: anon('kim-laptop'),
            to: user('kim'),
            how: 'login',
            source: 'k3',
            at: events[2]!.timestamp,
          },
        ],
      });
      await write(storage(), { events: [events[0]!, events[3]!] });
      const days = async () =>
        (await storage().overview(SITE, '2026-06-01T00:00:00.000Z', '2026-06-03T00:00:00.000Z')).days;
      expect(await days()).toEqual([
        { day: '2026-06-01', events: 2, persons: 2, identified: 1 },
        { day: '2026-06-02', events: 2, persons: 2, identified: 1 },
      ]);

      const kim = (await storage().person(SITE, user('kim')))!;
      await storage().erase(SITE, kim, {
        receiptId: 'r-kim',
        site: SITE,
        erasedAt: '2026-06-03T00:00:00.000Z',
        pseudonym: 'p-kim',
      });
      expect(await days()).toEqual([{ day: '2026-06-02', events: 1, persons: 1, identified: 0 }]);

      await storage().expire(new Date('2026-06-03T00:00:00.000Z'), 100);
      expect(await days()).toEqual([]);
    });
  });
}
