import { expect, it } from 'vitest';
import type { IdentityLink, Storage } from '../../src/storage/storage.ts';
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

  it("sums each customer's orders up for the fit in SQL: one transaction per person and day, across devices", async () => {
    const order = (
      id: string,
      anonymousId: string,
      timestamp: string,
      properties: Record<string, unknown>,
      userId?: string,
    ) => event(id, { anonymousId, event: 'Order Completed', timestamp, properties, ...(userId ? { userId } : {}) });
    await storage().write(
      set({
        events: [
          // ada: two orders on her first day on two devices (one transaction, 10 + 5), one on the 3rd (a decimal
          // string), one on the calibration's last day (inside it), one after it (the holdout).
          order('a1', 'phone', '2026-03-01T08:00:00.000Z', { revenue: 10 }),
          order('a2', 'laptop', '2026-03-01T23:59:59.999Z', { total: 5 }, 'ada'),
          order('a3', 'phone', '2026-03-03T10:00:00.000Z', { revenue: ' 7.5 ', total: 99 }),
          order('a4', 'laptop', '2026-03-10T22:00:00.000Z', { revenue: 'free', total: 2 }),
          order('a5', 'laptop', '2026-03-12T10:00:00.000Z', { revenue: 1 }),
          // bo: one order without a value; cy: first order after the calibration end (not a customer yet).
          order('b1', 'bo', '2026-03-05T10:00:00.000Z', {}),
          order('c1', 'cy', '2026-03-11T10:00:00.000Z', { revenue: 3 }),
          order('c2', 'cy', '2026-03-20T10:00:00.000Z', { revenue: 3 }),
          event('view', { anonymousId: 'bo', event: 'Product Viewed', timestamp: '2026-03-06T10:00:00.000Z' }),
          event('elsewhere', {
            site: 'other',
            anonymousId: 'bo',
            event: 'Order Completed',
            timestamp: '2026-02-01T10:00:00.000Z',
          }),
        ],
        links: [login('phone', 'ada', '2026-03-01T09:00:00.000Z'), login('laptop', 'ada', '2026-03-01T09:00:00.000Z')],
      }),
    );
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    expect(await storage().orderDays('shop')).toEqual({ first: day('2026-03-01'), last: day('2026-03-20') });
    expect(await storage().orderDays('nowhere')).toBeNull();

    const summaries = await storage().customerSummaries({
      site: 'shop',
      calibrationEnd: day('2026-03-10'),
      holdoutEnd: day('2026-03-20'),
    });
    const ada = (await storage().siteEvents({ site: 'shop', events: ['Order Completed'] }))[0]!.personId;
    expect(summaries.sort((p, q) => (p.customer < q.customer ? -1 : 1))).toEqual(
      [
        {
          customer: ada,
          firstDay: day('2026-03-01'),
          lastDay: day('2026-03-10'),
          transactions: 3,
          total: 24.5,
          repeatValue: 9.5,
          holdoutTransactions: 1,
        },
        {
          customer: 'anonymous:bo',
          firstDay: day('2026-03-05'),
          lastDay: day('2026-03-05'),
          transactions: 1,
          total: 0,
          repeatValue: 0,
          holdoutTransactions: 0,
        },
      ].sort((p, q) => (p.customer < q.customer ? -1 : 1)),
    );
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
