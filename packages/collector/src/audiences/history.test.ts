// The events the engine holds between evaluations (history.ts) save reading them again, and never
// change a result: what another collector stored, and what retention deleted, since a person's last
// evaluation counts exactly as a full read of the store counts it.
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../storage/storage.ts';
import { audienceApp, track } from '../../test/support/audiences.ts';
import { announcedState, personEvents } from './reconcile.ts';
import { resolvePerson, unseenPerson } from '../persons.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';
import { createHistory } from './history.ts';

const DAY = 86_400_000;

const stored = (event: Record<string, unknown>, receivedAt: string) =>
  ({ ...event, site: 'shop', receivedAt }) as unknown as StoredEvent;

/** The person's standing as their stored change events announce it. */
async function standing(t: Awaited<ReturnType<typeof audienceApp>>, userId: string) {
  const person = await resolvePerson(t.storage, 'shop', { kind: 'user', id: userId });
  return announcedState(await personEvents(t.storage, 'shop', person));
}

describe('the events held between evaluations', () => {
  it('count an order another collector stored since the person was last evaluated', async () => {
    const t = await audienceApp();
    const at = t.now().toISOString();
    await t.send([track('o1', { userId: 'u1' }, 'Order Completed', { revenue: 30 }, at)]);
    expect((await standing(t, 'u1')).audiences).not.toContain('repeat_buyers');

    // Another collector on the same store: its write does not pass through this engine.
    const other = track('o2', { userId: 'u1' }, 'Order Completed', { revenue: 30 }, at);
    await t.storage.write({ events: [stored(other, at)], consents: [], rejected: [] });
    await t.send([track('v1', { userId: 'u1' }, 'Product Viewed', { category: 'mugs' }, at)]);

    const now = await standing(t, 'u1');
    expect(now.audiences).toContain('repeat_buyers');
    expect(now.traits['lifetime_revenue']).toBe(60);
    expect(await t.audiences.rebuild('shop')).toMatchObject({ changes: 0 });
  });

  it('let go of orders retention deleted since the person was last evaluated', async () => {
    const t = await audienceApp();
    const first = t.now().toISOString();
    await t.send([
      track('o1', { userId: 'u1' }, 'Order Completed', { revenue: 30 }, first),
      track('o2', { userId: 'u1' }, 'Order Completed', { revenue: 30 }, first),
    ]);
    t.advance(10 * DAY);
    const later = t.now().toISOString();
    await t.send([track('o3', { userId: 'u1' }, 'Order Completed', { revenue: 40 }, later)]);
    expect((await standing(t, 'u1')).traits['lifetime_revenue']).toBe(100);

    // Retention deletes what was received before the cutoff: the first two orders.
    await t.storage.expire(new Date(Date.parse(first) + 5 * DAY), 1000);
    await t.send([track('v1', { userId: 'u1' }, 'Product Viewed', { category: 'mugs' }, later)]);

    expect((await standing(t, 'u1')).traits['lifetime_revenue']).toBe(40);
    expect(await t.audiences.rebuild('shop')).toMatchObject({ changes: 0 });
  });

  it('are read back from the store once more were stored than wait for a read', async () => {
    const storage = createSqliteStorage({ path: ':memory:' });
    await storage.migrate();
    const reads = new Map([['shop', { names: new Set(['Order Completed']), context: false }]]);
    const history = createHistory(storage, reads);
    const at = '2026-06-01T12:00:00.000Z';
    const orders = ['o1', 'o2'].map((id) =>
      stored(track(id, { userId: 'u1' }, 'Order Completed', { revenue: 30 }, at), at),
    );
    history.adopt(orders, (await storage.write({ events: orders, consents: [], rejected: [] })).seqs);
    // Another 50,000 events stored by this process (for the test, not in the store) push the first two out.
    const others = Array.from({ length: 50_000 }, (_, i) =>
      stored(track(`v${i}`, { userId: 'u2' }, 'Product Viewed', {}, at), at),
    );
    history.adopt(
      others,
      others.map((_, i) => 1_000_000 + i),
    );

    const person = unseenPerson('shop', { kind: 'user', id: 'u1' });
    const events = (await history.read('shop', [person], Date.parse(at)))!.get(person.personId)!;
    expect(events.map((event) => [event.event, event.properties])).toEqual([
      ['Order Completed', { revenue: 30 }],
      ['Order Completed', { revenue: 30 }],
    ]);
  });
});
