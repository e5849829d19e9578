import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KithError } from '../../src/errors.ts';
import { idsOf, type IdKind, type Storage, type WriteSet } from '../../src/storage/storage.ts';
import { describeConsoleConformance, describeOverviewConformance } from './console.ts';
import { describeAudiencesConformance } from './audiences.ts';
import { describeEventRowsConformance } from './event-rows.ts';
import { describeFiguresConformance } from './figures.ts';
import { describeForwardStoreConformance } from './forward.ts';
import { describeIdentityConformance } from './identity.ts';
import { describePrivacyConformance } from './privacy.ts';
import { describeRetentionConformance } from './retention.ts';
import { describeOwnEventsConformance } from './own-events.ts';
import { describePersonsConformance } from './persons.ts';
import {
  BANNER_A,
  BANNER_B,
  consent,
  event,
  expectNothingStored,
  HASH_A,
  HASH_B,
  messageIds,
  rejected,
  set,
  withoutBannerText,
  type StorageUnderTest,
} from './subject.ts';

/**
 * The `Storage` contract, forwarding's included, run unchanged by every adapter's test file (sqlite, postgres, d1).
 * Uses nothing but the interface, `query` and vitest, so it runs on Workers too.
 */
export function describeStorageConformance(adapter: string, open: () => Promise<StorageUnderTest>): void {
  let subject: StorageUnderTest;
  let storage: Storage;
  beforeEach(async () => {
    subject = await open();
    storage = subject.storage;
  });
  afterEach(async () => {
    await subject.cleanup();
  });

  describe(`${adapter} storage: migrations`, () => {
    it('migrates a fresh database, and migrating again keeps what was stored', async () => {
      await storage.migrate();
      await storage.write(set({ events: [event('m1')] }));
      await storage.migrate();
      expect(await messageIds(storage, { kind: 'anonymous', id: 'anon-1' })).toEqual(['m1']);
      expect(await storage.write(set({ events: [event('m2')] }))).toMatchObject({ inserted: 1, duplicates: 0 });
    });

    it('lets two instances that start at once both migrate, and share what either stores', async () => {
      const second = subject.another();
      await Promise.all([storage.migrate(), second.migrate()]);
      await second.write(set({ events: [event('m1')] }));
      expect(await messageIds(storage, { kind: 'anonymous', id: 'anon-1' })).toEqual(['m1']);
    });
  });

  describe(`${adapter} storage`, () => {
    beforeEach(async () => {
      await storage.migrate();
    });

    describeIdentityConformance(adapter, () => subject);
    describeRetentionConformance(() => subject);
    describeForwardStoreConformance(adapter, () => subject);
    describeEventRowsConformance(adapter, () => subject);
    describePrivacyConformance(adapter, () => subject);
    describeConsoleConformance(adapter, () => storage);
    describeOverviewConformance(adapter, () => storage);
    describeAudiencesConformance(() => subject);
    describeFiguresConformance(() => subject);
    describeOwnEventsConformance(adapter, () => storage);
    describePersonsConformance(adapter, () => storage);

    it('stores a write set: its events exactly as given, its consents, banner texts and quarantined events', async () => {
      const first = event('m1', {
        userId: 'user-1',
        properties: { sku: 'mug', price: 12.5, tags: ['a', 'ü', '😀'], nested: { deep: [null, true] } },
      });
      const second = event('m2', { timestamp: '2026-06-01T11:59:01.000Z' });
      const withText = consent('c1', { bannerTextHash: HASH_A, bannerText: BANNER_A });
      const quarantined = rejected('r1');

      expect(
        await storage.write({ events: [first, second], consents: [withText], rejected: [quarantined] }),
      ).toMatchObject({ inserted: 2, duplicates: 0 });

      expect(
        (await storage.events({ site: 'shop', userIds: ['user-1'], anonymousIds: ['anon-1'], limit: 10 })).events,
      ).toStrictEqual([second, first]);
      expect(
        (await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events,
      ).toStrictEqual([second]);
      expect(
        (await storage.events({ ...idsOf('shop', { kind: 'user', id: 'user-1' }), limit: 10 })).events,
      ).toStrictEqual([first]);
      expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).toStrictEqual([
        withoutBannerText(withText),
      ]);
      expect(await storage.bannerTexts([HASH_A])).toStrictEqual({ [HASH_A]: BANNER_A });
      expect(await storage.rejected('shop', 10)).toEqual([quarantined]);
    });

    it('acknowledges an empty write set', async () => {
      expect(await storage.write(set({}))).toEqual({ inserted: 0, duplicates: 0, seqs: [] });
    });

    it('stores each (site, messageId) once across write sets, counts the resent ones as duplicates and answers where each new one is', async () => {
      const first = await storage.write(set({ events: [event('m1'), event('m2')] }));
      expect(first).toMatchObject({ inserted: 2, duplicates: 0 });
      const resent = await storage.write(set({ events: [event('m2', { event: 'Resent' }), event('m3')] }));
      expect(resent).toMatchObject({ inserted: 1, duplicates: 1, seqs: [null, expect.any(Number)] });
      // Each answered seq is where that event is stored; the resent one has none of its own.
      const read = await storage.eventsBySeq(
        'shop',
        [...first.seqs, ...resent.seqs].filter((seq) => seq !== null),
      );
      expect(read.map(({ event }) => event.messageId)).toEqual(['m1', 'm2', 'm3']);
      const { events } = await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 });
      expect(events.map((e) => [e.messageId, e.event])).toEqual([
        ['m3', 'Product Added'],
        ['m2', 'Product Added'],
        ['m1', 'Product Added'],
      ]);
    });

    it('stores a messageId repeated within one write set once, the first one', async () => {
      expect(
        await storage.write(set({ events: [event('m1'), event('m1', { event: 'Again' }), event('m2')] })),
      ).toMatchObject({ inserted: 2, duplicates: 1, seqs: [expect.any(Number), null, expect.any(Number)] });
      const { events } = await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 });
      expect(events.map((e) => [e.messageId, e.event])).toEqual([
        ['m2', 'Product Added'],
        ['m1', 'Product Added'],
      ]);
    });

    it('keeps the same messageId on two sites as two events', async () => {
      expect(await storage.write(set({ events: [event('m1'), event('m1', { site: 'blog' })] }))).toMatchObject({
        inserted: 2,
        duplicates: 0,
      });
      for (const site of ['shop', 'blog']) {
        const { events } = await storage.events({ ...idsOf(site, { kind: 'anonymous', id: 'anon-1' }), limit: 10 });
        expect(events.map((e) => [e.site, e.messageId])).toEqual([[site, 'm1']]);
      }
    });

    it('logs a resent consent once', async () => {
      await storage.write(set({ consents: [consent('c1')] }));
      await storage.write(set({ consents: [consent('c1'), consent('c2')] }));
      expect(
        (await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).map((c) => c.messageId),
      ).toEqual(['c1', 'c2']);
    });

    // A NOT NULL column refuses null in every database: a real refusal midway through a write set.
    it.each([
      ['one of its events', { events: [event('m1'), event('m2', { type: null as never })] }],
      ['one of its consents', { consents: [consent('c1'), { ...consent('c2'), timestamp: null as never }] }],
      ['one of its quarantined events', { rejected: [rejected('r1'), { ...rejected('r2'), reason: null as never }] }],
    ])('stores nothing of a write set when the database refuses %s', async (_part, broken: Partial<WriteSet>) => {
      const whole = set({
        events: [event('m0')],
        consents: [consent('c0', { bannerTextHash: HASH_A, bannerText: BANNER_A })],
        rejected: [rejected('r0')],
      });
      const failing: WriteSet = {
        events: [...whole.events, ...(broken.events ?? [])],
        consents: [...whole.consents, ...(broken.consents ?? [])],
        rejected: [...whole.rejected, ...(broken.rejected ?? [])],
      };
      await expect(storage.write(failing)).rejects.toThrow();
      await expectNothingStored(storage);
      expect(await storage.write(whole)).toMatchObject({ inserted: 1, duplicates: 0 });
    });

    it('stores IDs holding a NUL character or a lone surrogate, and finds the events by them', async () => {
      const odd = event('m\u0000', {
        anonymousId: 'anon\u0000',
        userId: 'user-\ud800',
        event: 'Odd\u0000',
        properties: { text: 'a\u0000b\ud800' },
      });
      expect(
        await storage.write(
          set({ events: [odd, event('m\ud800')], consents: [consent('c\u0000', { anonymousId: 'anon\u0000' })] }),
        ),
      ).toMatchObject({ inserted: 2, duplicates: 0 });
      expect(
        (await storage.events({ site: 'shop', userIds: ['user-\ud800'], anonymousIds: ['anon\u0000'], limit: 10 }))
          .events,
      ).toStrictEqual([odd]);
      expect(
        (await storage.events({ ...idsOf('shop', { kind: 'user', id: 'user-\ud800' }), limit: 10 })).events,
      ).toStrictEqual([odd]);
      expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon\u0000' }))).toHaveLength(1);
      // A set of events alone (PostgreSQL's grouped INSERT) answers such an event as stored too.
      expect(await storage.write(set({ events: [event('n\ud800'), event('n\u0000')] }))).toMatchObject({
        inserted: 2,
        duplicates: 0,
      });
    });

    it('stores every event once when two instances write the same events at once, in opposite orders', async () => {
      const second = subject.another();
      await second.migrate();
      // Full batches, so that the two writes overlap in time where the database runs them side by side.
      for (let round = 0; round < 2; round++) {
        const sent = Array.from({ length: 2500 }, (_, i) => event(`r${round}-${String(i).padStart(4, '0')}`));
        const results = await Promise.all([
          storage.write(set({ events: sent })),
          second.write(set({ events: [...sent].reverse() })),
        ]);
        expect(results.map((r) => r.inserted + r.duplicates)).toEqual([2500, 2500]);
        expect(results[0]!.inserted + results[1]!.inserted).toBe(2500);
      }
      expect(await messageIds(storage, { kind: 'anonymous', id: 'anon-1' })).toHaveLength(5000);
    });

    it.each<[string, IdKind]>([
      ['a user ID', 'user'],
      ['an anonymous ID', 'anonymous'],
    ])(
      'pages the events of %s newest first, by timestamp then by insertion, until next is null',
      async (_name, kind) => {
        const at = (second: number) => `2026-06-01T11:00:${String(second).padStart(2, '0')}.000Z`;
        // An event that names a user ID is that user's: the anonymous ID's own events carry none.
        const person = kind === 'user' ? { userId: 'user-1', anonymousId: 'anon-1' } : { anonymousId: 'anon-1' };
        await storage.write(
          set({
            events: [
              event('a', { ...person, timestamp: at(10) }),
              event('b', { ...person, timestamp: at(30) }),
              event('c', { ...person, timestamp: at(20) }),
            ],
          }),
        );
        // Within a write set, insertion order is the set's order, not the messageIds'.
        await storage.write(
          set({
            events: [
              event('f', { ...person, timestamp: at(20) }),
              event('e', { ...person, timestamp: at(40) }),
              event('d', { ...person, timestamp: at(20) }),
            ],
          }),
        );
        await storage.write(
          set({ events: [event('other', { userId: 'user-2', anonymousId: 'anon-2', timestamp: at(25) })] }),
        );

        const id = kind === 'user' ? 'user-1' : 'anon-1';
        const pages: string[][] = [];
        let before: string | undefined;
        do {
          const page = await storage.events({
            ...idsOf('shop', { kind, id }),
            limit: 2,
            ...(before ? { before } : {}),
          });
          pages.push(page.events.map((e) => e.messageId));
          before = page.next ?? undefined;
        } while (before && pages.length < 10);
        expect(pages).toEqual([
          ['e', 'b'],
          ['d', 'f'],
          ['c', 'a'],
        ]);
      },
    );

    it('answers an unknown ID with an empty last page', async () => {
      await storage.write(set({ events: [event('m1')] }));
      expect(await storage.events({ ...idsOf('shop', { kind: 'user', id: 'nobody' }), limit: 10 })).toEqual({
        events: [],
        next: null,
      });
    });

    it('refuses a cursor it did not make with a 400 invalid_request', async () => {
      await storage.write(set({ events: [event('m1')] }));
      const error = await storage
        .events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10, before: '%%% not a cursor' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KithError);
      expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
    });

    it("lists a site's quarantined events newest first, up to the limit", async () => {
      await storage.write(set({ rejected: [rejected('r1'), rejected('r2')] }));
      await storage.write(set({ rejected: [rejected('r3'), { ...rejected('elsewhere'), site: 'blog' }] }));
      expect((await storage.rejected('shop', 2)).map((r) => JSON.parse(r.payload).messageId)).toEqual(['r3', 'r2']);
      expect(await storage.rejected('blog', 10)).toEqual([{ ...rejected('elsewhere'), site: 'blog' }]);
    });

    it("lists an ID's consent log oldest first, by user ID and by anonymous ID; a record naming a user is that user's", async () => {
      const granted = consent('c1', { locale: 'de-DE', bannerTextHash: HASH_A });
      const linked = {
        ...consent('c2', { method: 'withdraw', categories: { necessary: true, analytics: false, marketing: false } }),
        userId: 'user-1',
      };
      const other = { ...consent('c3'), anonymousId: 'anon-2' };
      await storage.write(set({ consents: [granted, other] }));
      await storage.write(set({ consents: [linked] }));
      expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).toStrictEqual([granted]);
      expect(await storage.consents({ site: 'shop', userIds: ['user-1'], anonymousIds: ['anon-1'] })).toStrictEqual([
        granted,
        linked,
      ]);
      expect(await storage.consents(idsOf('shop', { kind: 'user', id: 'user-1' }))).toStrictEqual([linked]);
    });

    it('keeps each banner text once under its hash and returns those asked for', async () => {
      await storage.write(set({ consents: [consent('c1', { bannerTextHash: HASH_A, bannerText: BANNER_A })] }));
      await storage.write(
        set({
          consents: [
            consent('c2', { bannerTextHash: HASH_A, bannerText: { title: 'changed' } }),
            consent('c3', { bannerTextHash: HASH_B, bannerText: BANNER_B }),
          ],
        }),
      );
      expect(await storage.bannerTexts([HASH_A, HASH_B, HASH_A, 'f'.repeat(64)])).toStrictEqual({
        [HASH_A]: BANNER_A,
        [HASH_B]: BANNER_B,
      });
      expect(await storage.bannerTexts([HASH_B])).toStrictEqual({ [HASH_B]: BANNER_B });
      expect(await storage.bannerTexts([])).toStrictEqual({});
      const [row] = await subject.query('select count(*) as n from banner_texts');
      expect(Number(row?.n)).toBe(2);
    });

    it('refuses UPDATE and DELETE on the consent log in the database itself', async () => {
      const record = consent('c1');
      await storage.write(set({ consents: [record] }));
      await expect(subject.query("update consent_log set method = 'accept-all'")).rejects.toThrow(/append-only/);
      await expect(subject.query('delete from consent_log')).rejects.toThrow(/append-only/);
      expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).toStrictEqual([record]);
    });

    it('answers 503 storage_unavailable while the database is out of reach, and keeps nothing of that write', async () => {
      await storage.write(set({ events: [event('before')] }));
      const lost = set({ events: [event('m1'), event('m2')], consents: [consent('c1')], rejected: [rejected('r1')] });
      await subject.cutOff();
      let error: unknown;
      try {
        error = await storage.write(lost).then(
          () => undefined,
          (e: unknown) => e,
        );
      } finally {
        await subject.restore();
      }
      expect(error).toBeInstanceOf(KithError);
      expect(error).toMatchObject({ code: 'storage_unavailable', status: 503 });
      expect(await messageIds(storage, { kind: 'anonymous', id: 'anon-1' })).toEqual(['before']);
      expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).toEqual([]);
      expect(await storage.rejected('shop', 10)).toEqual([]);
      expect(await storage.write(lost)).toMatchObject({ inserted: 2, duplicates: 0 });
    });
  });
}
