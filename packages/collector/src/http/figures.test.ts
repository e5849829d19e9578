import { describe, expect, it } from 'vitest';
import { SHOP_KEY, testApp } from '../../test/support/app.ts';
import type { Figures } from '../figures/figures.ts';
import type { PredictionModel } from '../figures/predict.ts';

const page = (messageId: string, anonymousId: string, timestamp: string, campaign?: Record<string, string>) => ({
  type: 'page',
  messageId,
  anonymousId,
  timestamp,
  properties: { path: '/' },
  ...(campaign ? { context: { campaign } } : {}),
});
const track = (
  messageId: string,
  anonymousId: string,
  event: string,
  timestamp: string,
  extra: Record<string, unknown> = {},
) => ({ type: 'track', messageId, anonymousId, event, timestamp, ...extra });
const identify = (messageId: string, anonymousId: string, userId: string, timestamp: string) => ({
  type: 'identify',
  messageId,
  anonymousId,
  userId,
  timestamp,
});
const choice = (messageId: string, anonymousId: string, method: string, granted: boolean, timestamp: string) => ({
  type: 'consent',
  messageId,
  anonymousId,
  timestamp,
  properties: { policyVersion: '1', categories: { necessary: true, analytics: granted, marketing: granted }, method },
});

/**
 * A shop whose March figures are worked out by hand (see the expectations):
 * Ada sees an Instagram ad on her phone in February, logs in on the phone and on her laptop in
 * March, orders on the laptop (40), comes back on the phone from the newsletter and orders again (60).
 * Ben, never logged in, ordered in January (10) and orders once in March (25, sent as `total`).
 * Cy looks at a product and leaves. Dee comes in April.
 */
const SHOP = [
  page('ada-ad', 'ada-phone', '2026-02-20T09:00:00.000Z', { source: 'insta', medium: 'social', name: 'spring' }),
  identify('ada-login-phone', 'ada-phone', 'ada', '2026-03-02T09:00:00.000Z'),
  choice('ada-consent', 'ada-phone', 'accept-all', true, '2026-03-02T08:59:00.000Z'),
  page('ada-laptop-visit', 'ada-laptop', '2026-03-05T18:00:00.000Z'),
  identify('ada-login-laptop', 'ada-laptop', 'ada', '2026-03-05T18:01:00.000Z'),
  track('ada-view', 'ada-laptop', 'Product Viewed', '2026-03-05T18:02:00.000Z', {
    userId: 'ada',
    properties: { product_id: 'mug' },
  }),
  track('ada-order-1', 'ada-laptop', 'Order Completed', '2026-03-05T18:05:00.000Z', {
    userId: 'ada',
    properties: { revenue: 40, products: [{ product_id: 'mug' }] },
  }),
  page('ada-newsletter', 'ada-phone', '2026-03-20T07:00:00.000Z', {
    source: 'newsletter',
    medium: 'email',
    name: 'march',
  }),
  track('ada-order-2', 'ada-phone', 'Order Completed', '2026-03-20T07:10:00.000Z', {
    userId: 'ada',
    properties: { revenue: 60, products: [{ product_id: 'tea' }] },
  }),
  track('ben-january', 'ben', 'Order Completed', '2026-01-15T12:00:00.000Z', { properties: { revenue: 10 } }),
  page('ben-visit', 'ben', '2026-03-10T12:00:00.000Z'),
  track('ben-view', 'ben', 'Product Viewed', '2026-03-10T12:01:00.000Z'),
  track('ben-order', 'ben', 'Order Completed', '2026-03-10T12:05:00.000Z', { properties: { total: 25 } }),
  page('cy-visit', 'cy', '2026-03-12T12:00:00.000Z'),
  choice('cy-consent', 'cy', 'reject-all', false, '2026-03-12T11:59:00.000Z'),
  track('cy-view', 'cy', 'Product Viewed', '2026-03-12T12:01:00.000Z'),
  page('dee-visit', 'dee', '2026-04-02T12:00:00.000Z'),
];

async function shop() {
  const t = await testApp();
  const res = await t.post('/v1/batch', { batch: SHOP }, t.basic(SHOP_KEY));
  expect(await res.json()).toMatchObject({ ok: true, accepted: SHOP.length, rejected: [] });
  return t;
}

describe('GET /v1/figures', () => {
  it('gives the hand-computed figures of a small shop, counting the customer on two devices once', async () => {
    const { admin } = await shop();
    const res = await admin(
      `/v1/figures?site=shop&from=2026-03-01&to=2026-03-31&funnel=${encodeURIComponent('Product Viewed,Order Completed')}`,
    );
    expect(res.status).toBe(200);
    const { figures } = (await res.json()) as { figures: Figures };
    expect(figures).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      visitors: 3, // Ada (phone and laptop), Ben, Cy
      identified: 1,
      identifiedShare: 1 / 3,
      customers: 2,
      conversionRate: 2 / 3,
      orders: 3,
      revenue: 125,
      averageOrderValue: 125 / 3,
      repeatCustomers: 1,
      repeatPurchaseRate: 1 / 2,
      // Ben's first order was in January: only Ada's cohort starts in the period.
      cohorts: [{ month: '2026-03', customers: 1, ordering: [1] }],
      funnel: [
        { event: 'Product Viewed', persons: 3, conversion: 1, revenue: 125 },
        { event: 'Order Completed', persons: 2, conversion: 2 / 3, revenue: 125 },
      ],
      attribution: {
        firstTouch: [
          { source: 'insta', medium: 'social', name: 'spring', orders: 2, revenue: 100 },
          { source: null, medium: null, name: null, orders: 1, revenue: 25 },
        ],
        lastTouch: [
          { source: 'newsletter', medium: 'email', name: 'march', orders: 1, revenue: 60 },
          { source: 'insta', medium: 'social', name: 'spring', orders: 1, revenue: 40 },
          { source: null, medium: null, name: null, orders: 1, revenue: 25 },
        ],
      },
      consent: { choices: 2, analytics: 1 / 2, marketing: 1 / 2, byMethod: { 'accept-all': 1, 'reject-all': 1 } },
    });
  });

  it('attributes the laptop order to the ad the same logged-in customer clicked on the phone', async () => {
    const { admin } = await shop();
    const { figures } = (await (await admin('/v1/figures?site=shop&from=2026-03-05&to=2026-03-05')).json()) as {
      figures: Figures;
    };
    expect(figures.orders).toBe(1);
    expect(figures.attribution.firstTouch).toEqual([
      { source: 'insta', medium: 'social', name: 'spring', orders: 1, revenue: 40 },
    ]);
    expect(figures.attribution.lastTouch).toEqual([
      { source: 'insta', medium: 'social', name: 'spring', orders: 1, revenue: 40 },
    ]);
  });

  it.each([
    ['/v1/figures?from=2026-03-01&to=2026-03-31', 'site_required', /several sites: add \?site=/],
    ['/v1/figures?site=nope&from=2026-03-01&to=2026-03-31', 'site_required', /No site "nope"/],
    ['/v1/figures?site=shop', 'invalid_request', /from=YYYY-MM-DD and to=YYYY-MM-DD/],
    ['/v1/figures?site=shop&from=2026-02-30&to=2026-03-31', 'invalid_request', /from "2026-02-30" is not a day/],
    ['/v1/figures?site=shop&from=2026-03-01&to=march', 'invalid_request', /to "march" is not a day/],
    ['/v1/figures?site=shop&from=2026-03-31&to=2026-03-01', 'invalid_request', /swap them/],
  ])('answers %s with 400 and what to change', async (path, error, message) => {
    const { admin } = await shop();
    const res = await admin(path);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body).toMatchObject({ ok: false, error });
    expect(body.message).toMatch(message);
  });

  it('is behind the admin token', async () => {
    const { app, admin } = await shop();
    expect((await app.request('/v1/figures?site=shop&from=2026-03-01&to=2026-03-31')).status).toBe(401);
    expect((await admin('/v1/figures?site=shop&from=2026-03-01&to=2026-03-31', 'wrong')).status).toBe(401);
    expect((await app.request('/v1/predictions/fit?site=shop', { method: 'POST' })).status).toBe(401);
  });
});

describe('predictions on demand', () => {
  it("fits on POST /v1/predictions/fit, keeps the model for GET /v1/predictions and shows it beside the person's scores", async () => {
    const t = await testApp();
    const orders = [];
    for (let customer = 0; customer < 30; customer++) {
      for (let day = customer % 5; day < 150; day += 7 + customer) {
        orders.push(
          track(
            `o-${customer}-${day}`,
            `a${customer}`,
            'Order Completed',
            new Date(Date.UTC(2026, 0, 1 + day, 12)).toISOString(),
            { userId: `c${customer}`, properties: { revenue: 10 + customer } },
          ),
        );
      }
    }
    expect(await (await t.post('/v1/batch', { batch: orders }, t.basic(SHOP_KEY))).json()).toMatchObject({
      rejected: [],
    });
    const auth = { Authorization: 'Bearer test-admin-token' };
    const fit = (await (
      await t.app.request('/v1/predictions/fit?site=shop&calibrationEnd=2026-04-15', { method: 'POST', headers: auth })
    ).json()) as { model: PredictionModel };
    expect(fit).toMatchObject({
      ok: true,
      scored: 30,
      model: { customers: 30, window: { from: '2026-01-01', calibrationEnd: '2026-04-15' } },
    });
    expect(fit.model.holdout!.actual).toBeGreaterThan(0);
    const saved = await (await t.admin('/v1/predictions?site=shop')).json();
    expect(saved).toMatchObject({ ok: true, fittedAt: '2026-06-01T12:00:00.000Z', model: fit.model });
    const person = (await (await t.admin('/v1/persons/user/c3?site=shop')).json()) as {
      person: { traits: object; predictions: object };
    };
    expect(person.person.traits).toMatchObject({
      p_alive: expect.any(Number),
      expected_purchases_90d: expect.any(Number),
      likely_to_churn: expect.any(Boolean),
    });
    expect(person.person.predictions).toEqual({
      fittedAt: '2026-06-01T12:00:00.000Z',
      window: fit.model.window,
      customers: 30,
      holdout: fit.model.holdout,
    });
  }, 60_000);

  it('answers a calibration end that is not a day with 400', async () => {
    const { app } = await testApp();
    const res = await app.request('/v1/predictions/fit?site=shop&calibrationEnd=2026-13-01', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      ok: false,
      error: 'invalid_request',
      message: expect.stringMatching(/calibrationEnd "2026-13-01" is not a day/),
    });
  });

  it('says a shop without repeat purchases cannot be fitted yet, and still writes RFM and next best product', async () => {
    const { app, admin } = await shop();
    const res = await app.request('/v1/predictions/fit?site=shop', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-admin-token' },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, model: null, unfitted: expect.stringMatching(/at least 10/), scored: 2 });
    const ada = (await (await admin('/v1/persons/user/ada?site=shop')).json()) as {
      person: { traits: Record<string, unknown> };
    };
    expect(ada.person.traits).toMatchObject({
      rfm_segment: expect.any(String),
      next_best_product: null,
      next_best_channel: 'email',
    });
    expect((await admin('/v1/predictions?site=shop')).status).toBe(404);
  });
});
