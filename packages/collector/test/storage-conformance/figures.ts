import { expect, it } from 'vitest';
import { siteFigures } from '../../src/figures/service.ts';
import type { IdentityLink, NodeRef, Storage, StoredEvent } from '../../src/storage/storage.ts';
import { figuresByScan } from '../support/figures-by-scan.ts';
import { consent, event, set, type StorageUnderTest } from './subject.ts';

const login = (anonymousId: string, userId: string, at: string): IdentityLink => ({
  site: 'shop',
  from: { kind: 'anonymous', id: anonymousId },
  to: { kind: 'user', id: userId },
  how: 'login',
  source: `login-${anonymousId}`,
  at,
});

/** The reads of figures/ (a site's events with their person now, consent choices, fitted predictions), as part of the storage contract. */
export function describeFiguresConformance(subject: () => StorageUnderTest): void {
  const storage = (): Storage => subject().storage;

  it("reads a site's events in a window, oldest first, each with the person it belongs to across devices", async () => {
    await storage().write(
      set({
        events: [
          event('phone-ad', {
            anonymousId: 'phone',
            type: 'page',
            event: undefined,
            properties: {},
            timestamp: '2026-03-01T10:00:00.000Z',
            context: { campaign: { source: 'insta', medium: 'social', name: 'spring' } },
          }),
          event('laptop-order', {
            anonymousId: 'laptop',
            userId: 'ada',
            event: 'Order Completed',
            timestamp: '2026-03-02T10:00:00.000Z',
            properties: { total: '30.5', products: [{ product_id: 'mug' }, { sku: 'tea' }] },
          }),
          event('stranger', {
            anonymousId: 'stranger',
            event: 'Order Completed',
            timestamp: '2026-03-03T10:00:00.000Z',
            properties: { revenue: 12, total: 99 },
          }),
          event('later', { anonymousId: 'phone', timestamp: '2026-04-01T00:00:00.000Z' }),
          event('elsewhere', { site: 'other', anonymousId: 'phone', timestamp: '2026-03-01T11:00:00.000Z' }),
        ],
        links: [login('phone', 'ada', '2026-03-01T10:05:00.000Z'), login('laptop', 'ada', '2026-03-02T09:00:00.000Z')],
      }),
    );

    const events = await storage().siteEvents({
      site: 'shop',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
    });
    expect(events.map((e) => e.event ?? e.type)).toEqual(['page', 'Order Completed', 'Order Completed']);
    const [ad, order, stranger] = events;
    expect(ad!.personId).toBe(order!.personId);
    expect(stranger!.personId).not.toBe(order!.personId);
    expect(ad).toEqual({
      personId: order!.personId,
      identified: true,
      userId: null,
      anonymousId: 'phone',
      type: 'page',
      event: null,
      timestamp: '2026-03-01T10:00:00.000Z',
      value: null,
      products: [],
      campaign: { source: 'insta', medium: 'social', name: 'spring' },
    });
    expect(order).toMatchObject({
      identified: true,
      userId: 'ada',
      value: 30.5,
      products: [{ product_id: 'mug' }, { sku: 'tea' }],
      campaign: null,
    });
    expect(stranger).toMatchObject({ identified: false, value: 12 });

    const orders = await storage().siteEvents({ site: 'shop', events: ['Order Completed'] });
    expect(orders.map((e) => e.value)).toEqual([30.5, 12]);
    expect(await storage().siteEvents({ site: 'nowhere' })).toEqual([]);

    // What attribution reads: the events that carry a campaign, alone or beside the orders, each once.
    const campaigns = await storage().siteEvents({ site: 'shop', campaigns: true });
    expect(campaigns.map((e) => e.campaign)).toEqual([{ source: 'insta', medium: 'social', name: 'spring' }]);
    const looked = await storage().siteEvents({ site: 'shop', events: ['Order Completed'], campaigns: true });
    expect(looked.map((e) => e.event ?? e.type)).toEqual(['page', 'Order Completed', 'Order Completed']);
  });

  it('counts the persons seen in a window once across their devices, and those known by a user ID', async () => {
    await storage().write(
      set({
        events: [
          event('phone-view', { anonymousId: 'phone', timestamp: '2026-03-01T10:00:00.000Z' }),
          event('laptop-view', { anonymousId: 'laptop', timestamp: '2026-03-02T10:00:00.000Z' }),
          event('laptop-order', {
            anonymousId: 'laptop',
            userId: 'ada',
            event: 'Order Completed',
            timestamp: '2026-03-02T11:00:00.000Z',
            context: { campaign: { source: 'insta', medium: 'social', name: 'spring' } },
          }),
          event('stranger', { anonymousId: 'stranger', timestamp: '2026-03-03T10:00:00.000Z' }),
          event('named', { userId: 'bo', timestamp: '2026-03-04T10:00:00.000Z' }),
          event('before', { anonymousId: 'early', timestamp: '2026-02-28T23:59:59.999Z' }),
          event('elsewhere', { site: 'other', anonymousId: 'far', timestamp: '2026-03-01T11:00:00.000Z' }),
        ],
        links: [login('phone', 'ada', '2026-03-01T10:05:00.000Z'), login('laptop', 'ada', '2026-03-02T09:00:00.000Z')],
      }),
    );
    const march = { site: 'shop', from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
    // ada (phone and laptop), the stranger, and bo (a user ID the graph has not linked).
    expect(await storage().siteVisitors(march)).toEqual({ visitors: 3, identified: 2 });
    expect(await storage().siteVisitors({ ...march, site: 'nowhere' })).toEqual({ visitors: 0, identified: 0 });
    // An order that carries a campaign is read once.
    const looked = await storage().siteEvents({ ...march, events: ['Order Completed'], campaigns: true });
    expect(looked.map((e) => e.event ?? e.type)).toEqual(['Order Completed']);
  });

  it('counts the same figures from its rollups as from every event, through merges, erasure, retention and period ends', async () => {
    // A seeded shop (mulberry32): 12 devices, 4 users, orders and campaign touches around June's ends.
    let seed = 20;
    const next = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const devices = Array.from({ length: 12 }, (_, i) => `device-${i}`);
    const users = ['ada', 'bo', 'cy', 'dee'];
    // Period ends, exactly and a millisecond either side, and days inside and outside June.
    const times = [
      '2026-05-20T08:00:00.000Z',
      '2026-05-31T23:59:59.999Z',
      '2026-06-01T00:00:00.000Z',
      '2026-06-01T00:00:00.000Z',
      '2026-06-10T12:00:00.000Z',
      '2026-06-15T09:30:00.000Z',
      '2026-06-30T23:59:59.999Z',
      '2026-07-01T00:00:00.000Z',
      '2026-07-02T10:00:00.000Z',
    ];
    const campaigns = [
      { source: 'insta', medium: 'social', name: 'spring' },
      { source: 'news', medium: 'email' },
      { source: '', medium: 'cpc', name: 'brand' },
      { source: '' },
    ];
    const values = [{ revenue: 20 }, { total: '12.5' }, { revenue: 'n/a', total: 7 }, {}, { revenue: [3] }];
    const randomEvent = (n: number): StoredEvent => {
      const timestamp = pick(times);
      const roll = next();
      const ids = next() < 0.3 ? { anonymousId: pick(devices), userId: pick(users) } : { anonymousId: pick(devices) };
      const base = { ...ids, timestamp, receivedAt: timestamp, context: {} };
      if (roll < 0.35)
        return event(`r${n}`, { ...base, type: 'page', event: undefined, context: { campaign: pick(campaigns) } });
      if (roll < 0.65) return event(`r${n}`, { ...base, event: 'Order Completed', properties: pick(values) });
      if (roll < 0.75)
        return event(`r${n}`, {
          ...base,
          event: 'Order Completed',
          properties: pick(values),
          context: { campaign: pick(campaigns) },
        });
      return event(`r${n}`, { ...base, event: pick(['Product Viewed', 'Product Added']) });
    };
    const link = (from: NodeRef, to: NodeRef, source: string): IdentityLink => ({
      site: 'shop',
      from,
      to,
      how: from.kind === 'anonymous' && to.kind === 'anonymous' ? 'linker' : 'login',
      source,
      at: '2026-06-01T00:00:00.000Z',
    });
    const anonymous = (id: string): NodeRef => ({ kind: 'anonymous', id });
    const user = (id: string): NodeRef => ({ kind: 'user', id });
    for (let round = 0; round < 6; round++) {
      await storage().write(set({ events: Array.from({ length: 30 }, (_, i) => randomEvent(round * 30 + i)) }));
    }
    // A user ID with no node whose events carry a linked device (their person is the device's), and a stranger.
    await storage().write(set({ links: [link(anonymous('device-11'), anonymous('device-10'), 'join-10')] }));
    await storage().write(
      set({
        events: [
          event('unlinked-user', {
            anonymousId: 'device-10',
            userId: 'eve',
            timestamp: times[4]!,
            receivedAt: times[4]!,
          }),
          event('stranger', { anonymousId: 'stranger', timestamp: times[5]!, receivedAt: times[5]!, site: 'other' }),
        ],
      }),
    );
    const funnel = ['Product Viewed', 'Product Added', 'Order Completed'];
    const june = { from: '2026-06-01T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' };
    const periods = [
      june,
      { from: '2026-05-01T00:00:00.000Z', to: '2026-06-01T00:00:00.000Z' },
      { from: june.from, to: '2026-06-02T00:00:00.000Z' },
    ];
    const same = async (step: string) => {
      for (const period of periods) {
        const figures = await siteFigures(storage(), 'shop', period, funnel);
        expect(figures, `${step}, ${period.from}`).toEqual(await figuresByScan(storage(), 'shop', period, funnel));
        expect(figures.orders, 'the random shop has orders').toBeGreaterThan(0);
      }
    };
    await same('as stored');

    // Merges after the fact: devices join users (one refused, a device already taken) and each other.
    await storage().write(
      set({
        links: [
          link(anonymous('device-0'), user('ada'), 'l0'),
          link(anonymous('device-1'), user('ada'), 'l1'),
          link(anonymous('device-2'), user('bo'), 'l2'),
          link(anonymous('device-2'), user('cy'), 'l2b'),
          link(anonymous('device-3'), anonymous('device-4'), 'l3'),
          link(anonymous('device-5'), user('dee'), 'l5'),
        ],
      }),
    );
    await same('after merges');

    const ada = await storage().person('shop', user('ada'));
    await storage().erase('shop', ada!, {
      receiptId: 'r-ada',
      site: 'shop',
      erasedAt: june.from,
      pseudonym: 'erased:r-ada',
    });
    await same('after erasure');

    while ((await storage().expire(new Date('2026-06-01T00:00:00.000Z'), 50)).events === 50);
    await same('after retention');
  });

  it('counts how far each person got through a funnel, step after step, across their devices', async () => {
    const at = (day: number, hour = 10) =>
      `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00.000Z`;
    await storage().write(
      set({
        events: [
          // ada: views on the phone, adds and orders on the laptop: all three steps, as one person.
          event('ada-view', { anonymousId: 'phone', event: 'Product Viewed', timestamp: at(1) }),
          event('ada-add', { anonymousId: 'laptop', event: 'Product Added', timestamp: at(2) }),
          event('ada-order', { anonymousId: 'laptop', userId: 'ada', event: 'Order Completed', timestamp: at(3) }),
          // bo: adds before he views, then views: only the first step (the add came before the view).
          event('bo-add', { anonymousId: 'bo-phone', event: 'Product Added', timestamp: at(1) }),
          event('bo-view', { anonymousId: 'bo-phone', event: 'Product Viewed', timestamp: at(2) }),
          // cy: view and add at the same instant, stored in that order: two steps (time, then storage order).
          event('cy-view', { anonymousId: 'cy', event: 'Product Viewed', timestamp: at(4) }),
          event('cy-add', { anonymousId: 'cy', event: 'Product Added', timestamp: at(4) }),
          // dee: a page view of the same name is not a step; her only view is after the window.
          event('dee-page', { anonymousId: 'dee', type: 'page', event: 'Product Viewed', timestamp: at(5) }),
          event('dee-late', { anonymousId: 'dee', event: 'Product Viewed', timestamp: '2026-04-01T00:00:00.000Z' }),
          event('elsewhere', { site: 'other', anonymousId: 'far', event: 'Product Viewed', timestamp: at(1) }),
        ],
        links: [login('phone', 'ada', at(1, 11)), login('laptop', 'ada', at(2, 9))],
      }),
    );
    const march = { site: 'shop', from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
    const steps = ['Product Viewed', 'Product Added', 'Order Completed'];
    const reached = await storage().siteFunnel({ ...march, steps });
    const ada = (await storage().siteEvents({ ...march, events: ['Order Completed'] }))[0]!.personId;
    const byPerson = Object.fromEntries(reached.map((r) => [r.personId, r.reached]));
    expect(byPerson).toEqual({ [ada]: 3, 'anonymous:bo-phone': 1, 'anonymous:cy': 2 });
    // The same step twice needs two events.
    expect(await storage().siteFunnel({ ...march, steps: ['Product Viewed', 'Product Viewed'] })).toEqual(
      expect.arrayContaining([{ personId: ada, reached: 1 }]),
    );
    expect(await storage().siteFunnel({ ...march, steps: [] })).toEqual([]);
    expect(await storage().siteFunnel({ ...march, site: 'nowhere', steps })).toEqual([]);
  });

  it('reads the consent choices made in a window', async () => {
    await storage().write(
      set({
        consents: [
          consent('c1', { method: 'accept-all', categories: { necessary: true, analytics: true, marketing: true } }),
          {
            ...consent('c2', {
              method: 'reject-all',
              categories: { necessary: true, analytics: false, marketing: false },
            }),
            timestamp: '2026-07-01T00:00:00.000Z',
          },
        ],
      }),
    );
    expect(
      await storage().siteConsents({ site: 'shop', from: '2026-06-01T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' }),
    ).toEqual([{ method: 'accept-all', categories: { necessary: true, analytics: true, marketing: true } }]);
  });

  it("keeps a site's latest fitted predictions", async () => {
    expect(await storage().predictions('shop')).toBeNull();
    await storage().savePredictions('shop', '2026-06-01T00:00:00.000Z', { bgnbd: { r: 0.2 }, customers: 10 });
    await storage().savePredictions('shop', '2026-06-02T00:00:00.000Z', { bgnbd: { r: 0.3 }, customers: 11 });
    await storage().savePredictions('other', '2026-06-02T00:00:00.000Z', { bgnbd: { r: 9 } });
    expect(await storage().predictions('shop')).toEqual({
      fittedAt: '2026-06-02T00:00:00.000Z',
      model: { bgnbd: { r: 0.3 }, customers: 11 },
    });
  });
}
