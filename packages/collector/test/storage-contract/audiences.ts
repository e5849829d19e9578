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

export function describeAudiencesContract(subject: () => StorageUnderTest): void {
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
