import { beforeEach, describe, expect, it } from 'vitest';
import type { Storage, StoredEvent } from '../../src/storage/storage.ts';
import { browserContext, event, set, type StorageUnderTest } from './subject.ts';

/** The fields of an event that have columns of their own (storage/event-row.ts). */
const COLUMN_FIELDS = ['site', 'messageId', 'type', 'event', 'userId', 'anonymousId', 'timestamp', 'receivedAt'];

/**
 * How an event's row is laid out, as part of the storage contract (index.ts): each field with a column is
 * kept once, and every event reads back exactly as given, through the person's events and the outbox,
 * rows stored with the whole event in their body included.
 */
export function describeEventRowsConformance(adapter: string, current: () => StorageUnderTest): void {
  let subject: StorageUnderTest;
  let storage: Storage;
  beforeEach(() => {
    subject = current();
    storage = subject.storage;
  });

  /** The person's events (by the given event's IDs) and every event the outbox hands out. */
  const readBack = async (e: StoredEvent) => ({
    events: (
      await storage.events({
        site: e.site,
        userIds: e.userId ? [e.userId] : [],
        anonymousIds: [e.anonymousId!],
        limit: 10,
      })
    ).events,
    forwarded: (await storage.pending('hook', 10)).map((pending) => pending.event),
  });

  describe(`${adapter} storage: event rows`, () => {
    it('keeps the fields that have columns in the columns only, not again in the body', async () => {
      await storage.write(set({ events: [event('m1', { userId: 'user-1' })] }));
      const [row] = await subject.query('select body from events');
      const body = (typeof row?.['body'] === 'string' ? JSON.parse(row['body']) : row?.['body']) as Record<
        string,
        unknown
      >;
      expect(Object.keys(body).filter((key) => COLUMN_FIELDS.includes(key))).toEqual([]);
      expect(body).toMatchObject({ properties: { sku: 'kith-mug', price: 12 }, context: { locale: 'de-DE' } });
    });

    it('reads back NULs, lone surrogates, U+2400 and other unicode in every field exactly as given', async () => {
      const odd: StoredEvent = event('m\u0000ü😀', {
        anonymousId: 'anon\u0000\u2400',
        userId: 'user-\ud800',
        event: 'Odd\u0000 ✓',
        properties: { text: 'a\u0000b\ud800', '\u2400': '\u2400' },
        context: { page: { title: 'Tasse “☕”' }, locale: 'de-DE' },
      });
      const plain: StoredEvent = event('m\u2400', { anonymousId: 'anon-\u2400', userId: 'user-🙂', event: 'Éclair' });
      await storage.write(set({ events: [odd, plain] }));

      const { events, forwarded } = await readBack(odd);
      expect(events).toStrictEqual([odd]);
      expect(forwarded).toStrictEqual([odd, plain]);
      expect((await readBack(plain)).events).toStrictEqual([plain]);
    });

    it('reads back a client field named __proto__ as an ordinary field, not as the event’s prototype', async () => {
      // As JSON.parse makes it from a request: an own property, which an assignment would turn into the prototype.
      const hostile = { ...event('m1'), ...JSON.parse('{"__proto__": {"userId": "someone-else"}}') } as StoredEvent;
      await storage.write(set({ events: [hostile] }));

      const { events, forwarded } = await readBack(hostile);
      for (const [read] of [events, forwarded]) {
        expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
        expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toEqual({ userId: 'someone-else' });
        expect(read).toStrictEqual(hostile);
      }
    });

    it('keeps a browser’s context once for the events that share it, and reads each event back as given', async () => {
      const first = event('m1', { userId: 'user-1', context: browserContext('Chrome/150.0', '/mug') });
      const second = event('m2', {
        userId: 'user-1',
        receivedAt: '2026-06-01T12:00:01.000Z',
        context: { ...browserContext('Chrome/150.0', '/cart'), campaign: { source: 'news' } },
      });
      const none: StoredEvent = event('m3', { userId: 'user-1' });
      delete none.context;
      await storage.write(set({ events: [first, second, none] }));

      const contexts = await subject.query('select context, received_at from contexts');
      expect(contexts).toHaveLength(1);
      expect(contexts[0]?.['received_at']).toBe('2026-06-01T12:00:01.000Z');
      const [row] = await subject.query("select body from events where message_id = 'm2'");
      const body = String(typeof row?.['body'] === 'string' ? row['body'] : JSON.stringify(row?.['body']));
      expect(body).not.toContain('Chrome/150.0');
      expect(body).toContain('/cart');

      const { events, forwarded } = await readBack(first);
      expect(events).toStrictEqual([none, second, first]);
      expect(forwarded).toStrictEqual([first, second, none]);
    });

    it('lists the IDs’ events as entries in seq order, and reads back exactly the ones asked for by seq', async () => {
      const before = event('e1', { context: browserContext('Chrome/150.0', '/mug') });
      const loggedIn = event('e2', { userId: 'user-1', context: browserContext('Chrome/150.0', '/cart') });
      const otherBrowser = event('e3', { anonymousId: 'anon-2' });
      // Sent on the same browser by someone else logged in: that user's, not the anonymous ID's.
      const otherUser = event('e4', { userId: 'user-2' });
      await storage.write(set({ events: [before, loggedIn, otherBrowser, otherUser] }));

      const entries = await storage.eventEntries({ site: 'shop', userIds: ['user-1'], anonymousIds: ['anon-1'] });
      expect(entries.map(({ userId, anonymousId }) => [userId, anonymousId])).toEqual([
        [null, 'anon-1'],
        ['user-1', 'anon-1'],
      ]);
      const [first, second] = entries.map((entry) => entry.seq);
      expect(first).toBeLessThan(second!);
      expect(await storage.eventEntries({ site: 'other', userIds: ['user-1'], anonymousIds: ['anon-1'] })).toEqual([]);

      const read = await storage.eventsBySeq('shop', [second!, first!, second! + 1000]);
      expect(read).toStrictEqual([
        { seq: first, event: before },
        { seq: second, event: loggedIn },
      ]);
      expect(await storage.eventsBySeq('other', [first!])).toEqual([]);
    });

    it('reads a row stored with the whole event in its body, as rows were stored before, as it was', async () => {
      const whole = event('old-1', { userId: 'user-1' });
      const body = JSON.stringify(whole).replaceAll("'", "''");
      await subject.query(
        `insert into events (site, message_id, type, event, user_id, anonymous_id, timestamp, received_at, body)
         values ('shop', 'old-1', 'track', 'Product Added', 'user-1', 'anon-1', '${whole.timestamp}', '${whole.receivedAt}', '${body}')`,
      );
      await storage.write(set({ events: [event('new-1')] }));

      const { events, forwarded } = await readBack(whole);
      expect(events).toStrictEqual([event('new-1'), whole]);
      expect(forwarded).toStrictEqual([whole, event('new-1')]);
    });
  });
}
