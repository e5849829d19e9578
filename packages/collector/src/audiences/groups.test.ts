// Persons are evaluated in groups (one read of their events, one write of their changes): each
// person of a group must still stand by their own events only, and a rebuild larger than one group
// must reach every person once.
import { describe, expect, it } from 'vitest';
import { showPerson } from '../persons.ts';
import type { StoredEvent } from '../storage/storage.ts';
import { audienceApp, track } from '../../test/support/audiences.ts';

describe('evaluation in groups', { timeout: 60_000 }, () => {
  it('persons touched together each stand by their own events, across their anonymous and user IDs', async () => {
    const t = await audienceApp();
    const at = t.now().toISOString();
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    // Each browses anonymously, logs in, then orders: their events lie under two IDs.
    await t.send(
      users.flatMap((user, i) => [
        track(`${user}-v`, { anonymousId: `a-${user}` }, 'Product Viewed', { category: `c${i}` }, at),
        { type: 'identify', messageId: `${user}-login`, anonymousId: `a-${user}`, userId: user, timestamp: at },
      ]),
    );
    // One request touches every person; even ones place two orders of 10 * i, odd ones one.
    await t.send(
      users.flatMap((user, i) =>
        Array.from({ length: i % 2 === 0 ? 2 : 1 }, (_, n) =>
          track(`${user}-o${n}`, { userId: user }, 'Order Completed', { revenue: 10 * i }, at),
        ),
      ),
    );

    for (const [i, user] of users.entries()) {
      const view = await showPerson(t.storage, 'shop', { kind: 'anonymous', id: `a-${user}` });
      const orders = i % 2 === 0 ? 2 : 1;
      expect(view).toMatchObject({
        computedTraits: { lifetime_revenue: orders * 10 * i, favourite_category: `c${i}` },
        stage: orders === 2 ? 'repeat_buyer' : 'first_time_buyer',
      });
      expect(view!.audiences.includes('repeat_buyers')).toBe(orders === 2);
    }
  });

  it('a rebuild of more persons than one group evaluates each once, each by their own events', async () => {
    const t = await audienceApp();
    const at = t.now().toISOString();
    const persons = 1_100;
    const events: StoredEvent[] = [];
    for (let p = 0; p < persons; p++) {
      const who: Record<string, string> = p % 2 === 0 ? { userId: `u${p}` } : { anonymousId: `a${p}` };
      for (let n = 0; n < (p % 3 === 0 ? 2 : 1); n++)
        events.push({
          ...(track(`o-${p}-${n}`, who, 'Order Completed', { revenue: p }, at) as StoredEvent),
          site: 'shop',
          receivedAt: at,
        });
    }
    // Stored as an import would, without the engine seeing them.
    await t.storage.write({ events, consents: [], rejected: [] });

    expect(await t.audiences.rebuild('shop')).toMatchObject({ persons });
    const repeat = await t.app.request('/v1/audiences/repeat_buyers/members?limit=1', {
      headers: { Authorization: 'Bearer admin' },
    });
    expect(await repeat.json()).toMatchObject({ count: Math.ceil(persons / 3) });
    // The counts read every candidate of every audience and stage once, in groups too.
    const counts = (await (
      await t.app.request('/v1/audiences', { headers: { Authorization: 'Bearer admin' } })
    ).json()) as { audiences: unknown[]; stages: unknown[] };
    expect(counts.audiences).toContainEqual({ key: 'repeat_buyers', count: Math.ceil(persons / 3) });
    expect(counts.stages).toContainEqual({ key: 'repeat_buyer', count: Math.ceil(persons / 3) });
    expect(counts.stages).toContainEqual({ key: 'first_time_buyer', count: persons - Math.ceil(persons / 3) });
    for (const p of [0, 499, 500, 501, 1_099]) {
      const key =
        p % 2 === 0 ? ({ kind: 'user', id: `u${p}` } as const) : ({ kind: 'anonymous', id: `a${p}` } as const);
      const view = await showPerson(t.storage, 'shop', key);
      expect(view?.computedTraits).toMatchObject({ lifetime_revenue: (p % 3 === 0 ? 2 : 1) * p });
    }
    // A second rebuild finds every person as announced: nothing to change.
    expect(await t.audiences.rebuild('shop')).toEqual({ persons, changes: 0 });
  });
});
