import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createAudienceEngine } from '../audiences/engine.ts';
import { parseConfig } from '../config.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';

const KEY = 'scores-shop-key';
const ADMIN = 'admin-token-of-the-test';
const DAY = 86_400_000;

/** Audiences an operator writes on the computed traits the fit leaves on each customer. */
const DEFINITIONS = {
  audiences: [
    { key: 'champions', definition: "trait('rfm_segment') = 'champions'" },
    { key: 'likely_to_churn', definition: "trait('likely_to_churn') = true" },
    { key: 'tea_next', definition: "trait('next_best_product') = 'tea'" },
  ],
};

/**
 * A shop's year of orders: 30 regulars buy mug and tea every fortnight until the end; "ada" buys a
 * mug every third day from May; "bo" bought often in January and then stopped; "cy" bought one mug in June.
 */
function shopOrders(end: number) {
  const orders: { userId: string; day: number; products: string[]; revenue: number }[] = [];
  for (let i = 0; i < 30; i++)
    for (let day = 10 + (i % 14); day <= 180; day += 14)
      orders.push({ userId: `regular-${i}`, day, products: ['mug', 'tea'], revenue: 30 });
  for (let day = 120; day <= 180; day += 3) orders.push({ userId: 'ada', day, products: ['mug'], revenue: 60 });
  for (let day = 0; day < 30; day += 3) orders.push({ userId: 'bo', day, products: ['spoon'], revenue: 10 });
  orders.push({ userId: 'cy', day: 170, products: ['mug'], revenue: 15 });
  return orders.map(({ userId, day, products, revenue }, i) => ({
    type: 'track',
    event: 'Order Completed',
    messageId: `order-${i}`,
    userId,
    timestamp: new Date(end - (180 - day) * DAY).toISOString(),
    properties: { order_id: `o${i}`, revenue, products: products.map((product_id) => ({ product_id })) },
  }));
}

describe('scores in audience definitions', () => {
  it('after a fit, RFM segments, "likely to churn" and the next best product put each customer in the audiences that name them', async () => {
    const now = new Date('2026-06-30T12:00:00.000Z');
    const storage = createSqliteStorage({ path: ':memory:' });
    await storage.migrate();
    const config = parseConfig({
      sites: [{ id: 'shop', writeKey: KEY, origins: ['https://shop.example'], ...DEFINITIONS }],
    });
    const audiences = createAudienceEngine({ storage, config, clock: () => now });
    const app = createApp({
      storage,
      config,
      adminToken: ADMIN,
      sdkScript: '',
      sdkBanner: '',
      clock: () => now,
      audiences,
    });
    const admin = { Authorization: `Bearer ${ADMIN}` };

    const response = await app.request('/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${KEY}:`)}` },
      body: JSON.stringify({ batch: shopOrders(now.getTime() - DAY) }),
    });
    expect(await response.json()).toMatchObject({ ok: true, rejected: [] });
    await audiences.settled();

    const fit = await app.request('/v1/predictions/fit?site=shop', { method: 'POST', headers: admin });
    expect(fit.status).toBe(200);
    await audiences.settled();

    const members = async (key: string) => {
      const page = await app.request(`/v1/audiences/${key}/members?site=shop&limit=100`, { headers: admin });
      expect(page.status).toBe(200);
      const { members } = (await page.json()) as { members: { userIds: string[] }[] };
      return members.flatMap((m) => m.userIds).sort();
    };
    expect(await members('champions')).toContain('ada');
    expect(await members('champions')).not.toContain('bo');
    expect(await members('likely_to_churn')).toEqual(['bo']);
    // cy owns a mug; the customers who bought mugs also bought tea.
    expect(await members('tea_next')).toEqual(['ada', 'cy']);

    // The person API shows the traits the audiences read, and the audience beside them.
    const person = await app.request('/v1/persons/user/bo?site=shop', { headers: admin });
    expect(await person.json()).toMatchObject({
      person: { traits: { likely_to_churn: true, rfm_segment: 'hibernating' }, audiences: ['likely_to_churn'] },
    });
    await storage.close();
  }, 60_000);
});
