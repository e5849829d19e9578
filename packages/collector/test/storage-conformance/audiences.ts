// Audiences through the storage contract: what the audience engine needs of every adapter, and two
// collectors on one database reaching the same change store it once and lose no exit.
import { beforeEach, expect, it } from 'vitest';
import { createAudienceEngine } from '../../src/audiences/engine.ts';
import { AUDIENCE_ENTERED, AUDIENCE_EXITED } from '../../src/audiences/reconcile.ts';
import { parseConfig } from '../../src/config.ts';
import { idsOf, type Storage, type StoredEvent } from '../../src/storage/storage.ts';
import type { StorageUnderTest } from './subject.ts';

const config = parseConfig({
  sites: [
    {
      id: 'shop',
      writeKey: 'shop-key',
      origins: [],
      audiences: [
        { key: 'buyers', definition: "event('Order Completed').count() >= 1 AND NOT trait('plan') = 'staff'" },
      ],
    },
  ],
});

const track = (messageId: string, who: { userId?: string; anonymousId?: string }, name: string): StoredEvent => ({
  type: 'track',
  messageId,
  ...who,
  event: name,
  properties: {},
  site: 'shop',
  timestamp: '2026-06-01T11:00:00.000Z',
  receivedAt: '2026-06-01T11:00:00.000Z',
});

export function describeAudiencesConformance(subject: () => StorageUnderTest): void {
  let storage: Storage;
  beforeEach(() => {
    storage = subject().storage;
  });

  it('lists one key per sender of a site: the user ID when the event has one, else the anonymous ID', async () => {
    await storage.write({
      events: [
        track('m1', { anonymousId: 'a1' }, 'X'),
        track('m2', { anonymousId: 'a1', userId: 'u1' }, 'X'),
        track('m3', { userId: 'u1' }, 'X'),
        { ...track('m4', { anonymousId: 'a2' }, 'X'), site: 'other' },
      ],
      consents: [],
      rejected: [],
    });
    const keys = await storage.personKeys('shop');
    expect(keys.map((k) => `${k.kind}:${k.id}`).sort()).toEqual(['anonymous:a1', 'user:u1']);
  });

  it('reads, for a slot, only the collector’s change events in it, whole (the members index)', async () => {
    const change = (messageId: string, who: { userId?: string; anonymousId?: string }, slot: string): StoredEvent => ({
      ...track(messageId, who, AUDIENCE_ENTERED),
      properties: { audience_key: slot.slice('audience:'.length) },
      context: { kith: { computed: true, slot, seq: 1 } },
    });
    await storage.write({
      events: [
        track('m1', { userId: 'u-plain' }, 'Order Completed'),
        change('c1', { userId: 'u-in' }, 'audience:buyers'),
        change('c2', { anonymousId: 'a-in' }, 'audience:buyers'),
        change('c3', { userId: 'u-other' }, 'audience:others'),
        { ...change('c4', { userId: 'u-elsewhere' }, 'audience:buyers'), site: 'other' },
      ],
      consents: [],
      rejected: [],
    });
    const inSlot = await storage.slotEvents('shop', 'audience:buyers');
    expect(inSlot.sort((a, b) => (a.messageId < b.messageId ? -1 : 1))).toEqual([
      change('c1', { userId: 'u-in' }, 'audience:buyers'),
      change('c2', { anonymousId: 'a-in' }, 'audience:buyers'),
    ]);
    expect(await storage.slotEvents('shop', 'stage')).toEqual([]);
  });

  it('keeps erasure exits until every destination has passed them (delivered or dead-lettered), then deletes them everywhere', async () => {
    const exit = (messageId: string): StoredEvent => ({
      ...track(messageId, { userId: 'gone-user' }, AUDIENCE_EXITED),
      context: {
        kith: { computed: true, erasure: true, slot: `audience:${messageId}`, seq: 2, personId: 'gone-person' },
      },
    });
    await storage.write({
      events: [track('bystander', { userId: 'stays' }, 'X'), exit('x1'), exit('x2')],
      consents: [],
      rejected: [],
    });
    const destinations = ['nats', 'webhook:crm'];
    for (const destination of destinations) expect(await storage.claimForwarding(destination, 'a', 30_000)).toBe(true);
    expect(await storage.purgeErasureExits(destinations)).toEqual({ purged: 0, waiting: 2 });

    const nats = await storage.pending('nats', 10);
    expect(await storage.advance('nats', 'a', nats.at(-1)!.position)).toBe(true);
    // The webhook has not had them yet: they wait.
    expect(await storage.purgeErasureExits(destinations)).toEqual({ purged: 0, waiting: 2 });

    const crm = await storage.pending('webhook:crm', 10);
    expect(
      await storage.deadLetter('webhook:crm', 'a', crm, { error: 'refused', attempts: 1, at: '2026-06-01T12:00:00Z' }),
    ).toBe(true);
    expect(await storage.purgeErasureExits(destinations)).toEqual({ purged: 2, waiting: 0 });

    expect((await storage.events({ ...idsOf('shop', { kind: 'user', id: 'gone-user' }), limit: 10 })).events).toEqual(
      [],
    );
    const letters = await storage.deadLetters('webhook:crm', 10);
    expect(letters.flatMap((letter) => letter.events.map(({ event }) => event.messageId))).toEqual(['bystander']);
    const leftovers = await subject().leftovers?.();
    if (leftovers !== undefined)
      for (const value of ['gone-user', 'gone-person']) expect(leftovers).not.toContain(value);
  });

  it('deletes erasure exits at once when nothing is forwarded', async () => {
    await storage.write({
      events: [
        {
          ...track('x1', { anonymousId: 'gone-anon' }, AUDIENCE_EXITED),
          context: { kith: { computed: true, erasure: true } },
        },
      ],
      consents: [],
      rejected: [],
    });
    expect(await storage.purgeErasureExits([])).toEqual({ purged: 1, waiting: 0 });
  });

  it('two collectors evaluating the same person at once store one entry, then one exit', async () => {
    const clock = () => new Date('2026-06-01T12:00:00.000Z');
    const second = subject().another();
    const engines = [
      createAudienceEngine({ storage, config, clock }),
      createAudienceEngine({ storage: second, config, clock }),
    ];
    const changes = async () =>
      (await storage.events({ ...idsOf('shop', { kind: 'user', id: 'u1' }), limit: 100 })).events
        .filter((e) => e.event === AUDIENCE_ENTERED || e.event === AUDIENCE_EXITED)
        .map((e) => e.event)
        .reverse();
    const bothEvaluate = async () => {
      for (const engine of engines) engine.touch('shop', [{ kind: 'user', id: 'u1' }]);
      await Promise.all(engines.map((engine) => engine.settled()));
    };

    await storage.write({ events: [track('o1', { userId: 'u1' }, 'Order Completed')], consents: [], rejected: [] });
    await bothEvaluate();
    expect(await changes()).toEqual([AUDIENCE_ENTERED]);

    await storage.write({
      events: [{ ...track('p1', { userId: 'u1' }, 'Plan'), type: 'identify', traits: { plan: 'staff' } }],
      consents: [],
      rejected: [],
      traits: [
        { site: 'shop', node: { kind: 'user', id: 'u1' }, traits: { plan: 'staff' }, at: clock().toISOString() },
      ],
    });
    await bothEvaluate();
    expect(await changes()).toEqual([AUDIENCE_ENTERED, AUDIENCE_EXITED]);
  });
}
