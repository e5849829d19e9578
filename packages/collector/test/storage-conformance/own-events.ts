// The collector's own change events (audiences/reconcile.ts: Audience Entered / Exited, Journey Stage
// Changed, identify with computed traits) are stored in the events table, the forwarders' outbox, but
// they are not the shop's activity: what the console's overview and the shop's figures count is what
// visitors did, so a scheduled exit on a quiet day is not a visit.
import { describe, expect, it } from 'vitest';
import { AUDIENCE_ENTERED, AUDIENCE_EXITED, STAGE_CHANGED } from '../../src/audiences/reconcile.ts';
import type { Storage, StoredEvent } from '../../src/storage/storage.ts';
import { event, set } from './subject.ts';

const DAY_1 = '2026-06-01';
const DAY_2 = '2026-06-02';

/** A change event as reconcile.ts makes one: timestamp and receipt are the evaluation's time. */
const change = (messageId: string, ids: Partial<StoredEvent>, name: string, at: string, slot: string): StoredEvent => ({
  type: 'track',
  messageId,
  ...ids,
  event: name,
  properties: { audience_key: 'buyers' },
  context: {
    kith: { computed: true, slot, seq: 1, personId: `p-${messageId}`, userIds: [], anonymousIds: [] },
  },
  site: 'shop',
  timestamp: at,
  receivedAt: at,
});

const view = (messageId: string, anonymousId: string, at: string): StoredEvent =>
  event(messageId, { anonymousId, event: 'Product Viewed', timestamp: at, receivedAt: at });

export function describeOwnEventsConformance(adapter: string, storage: () => Storage): void {
  describe(`${adapter} storage: the collector's own change events are not the shop's activity`, () => {
    const days = async () =>
      (await storage().overview('shop', `${DAY_1}T00:00:00.000Z`, '2026-06-03T00:00:00.000Z')).days;

    it('leaves them out of the overview: events per day, persons per day and the top events', async () => {
      await storage().write(
        set({
          events: [
            view('v1', 'a1', `${DAY_1}T10:00:00.000Z`),
            change('c1', { anonymousId: 'a1' }, AUDIENCE_ENTERED, `${DAY_1}T10:00:01.000Z`, 'audience:buyers'),
            change('c2', { userId: 'u1', anonymousId: 'a1' }, STAGE_CHANGED, `${DAY_1}T10:00:01.000Z`, 'stage'),
            // A scheduled exit on a day the person did nothing.
            change('c3', { anonymousId: 'a3' }, AUDIENCE_EXITED, `${DAY_2}T03:00:00.000Z`, 'audience:buyers'),
          ],
        }),
      );
      const overview = await storage().overview('shop', `${DAY_1}T00:00:00.000Z`, '2026-06-03T00:00:00.000Z');
      expect(overview.days).toEqual([{ day: DAY_1, events: 1, persons: 1, identified: 0 }]);
      expect(overview.topEvents).toEqual([{ name: 'Product Viewed', count: 1 }]);
    });

    it("keeps counting a sender's own events when their change events of the same day expire first", async () => {
      await storage().write(
        set({
          events: [
            change('c1', { anonymousId: 'a1' }, AUDIENCE_EXITED, `${DAY_1}T01:00:00.000Z`, 'audience:buyers'),
            view('v1', 'a1', `${DAY_1}T13:00:00.000Z`),
          ],
        }),
      );
      await storage().expire(new Date(`${DAY_1}T12:00:00.000Z`), 100);
      expect(await days()).toEqual([{ day: DAY_1, events: 1, persons: 1, identified: 0 }]);
      await storage().expire(new Date(`${DAY_2}T00:00:00.000Z`), 100);
      expect(await days()).toEqual([]);
    });

    it("leaves them out of the shop's figures: persons seen, events read by name or in a window", async () => {
      await storage().write(
        set({
          events: [
            view('v1', 'a1', `${DAY_1}T10:00:00.000Z`),
            change('c1', { anonymousId: 'a1' }, AUDIENCE_ENTERED, `${DAY_1}T10:00:01.000Z`, 'audience:buyers'),
            change('c2', { anonymousId: 'a2' }, AUDIENCE_EXITED, `${DAY_2}T03:00:00.000Z`, 'audience:buyers'),
            change('c3', { userId: 'u3' }, 'identify', `${DAY_2}T03:00:00.000Z`, 'traits'),
          ],
        }),
      );
      const window = { site: 'shop', from: `${DAY_1}T00:00:00.000Z`, to: '2026-06-03T00:00:00.000Z' };
      expect(await storage().siteVisitors(window)).toEqual({ visitors: 1, identified: 0 });
      expect((await storage().siteEvents(window)).map((e) => e.event)).toEqual(['Product Viewed']);
      expect(await storage().siteEvents({ ...window, events: [AUDIENCE_ENTERED, AUDIENCE_EXITED] })).toEqual([]);
      expect(await storage().siteFunnel({ ...window, steps: [AUDIENCE_ENTERED] })).toEqual([]);
    });

    it('still lists their senders where a rebuild starts, and their members by slot', async () => {
      await storage().write(
        set({
          events: [
            view('v1', 'a1', `${DAY_1}T10:00:00.000Z`),
            change('c2', { anonymousId: 'a2' }, AUDIENCE_ENTERED, `${DAY_2}T03:00:00.000Z`, 'audience:buyers'),
          ],
        }),
      );
      const keys = await storage().personKeys('shop');
      expect(keys.map((k) => `${k.kind}:${k.id}`).sort()).toEqual(['anonymous:a1', 'anonymous:a2']);
      expect((await storage().slotEvents('shop', 'audience:buyers')).map((e) => e.messageId)).toEqual(['c2']);
    });
  });
}
