// Test support for audiences: an app with a shop's definitions on real (in-memory) SQLite and a clock the test moves.
import { expect } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createAudienceEngine } from '../../src/audiences/engine.ts';
import { parseConfig } from '../../src/config.ts';
import { resolvePerson } from '../../src/persons.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';

export const KEY = 'shop-key';

/** The shop's definitions as an operator would write them. */
export const SHOP_DEFINITIONS = {
  traits: [
    { key: 'lifetime_revenue', definition: "event('Order Completed').sum(property('revenue'))" },
    { key: 'favourite_category', definition: "event('Product Viewed').within(30 days).mode(property('category'), 1)" },
  ],
  audiences: [
    { key: 'repeat_buyers', definition: "event('Order Completed').within(365 days).count() >= 2" },
    { key: 'big_spenders', definition: "trait('lifetime_revenue') > 100 AND NOT trait('plan') = 'staff'" },
    { key: 'newsletter_buyers', definition: "event('Order Completed').count() >= 1", marketing: true },
    {
      key: 'lapsed_customers',
      definition: "event('Order Completed').count() >= 1 AND event('Order Completed').within(60 days).count() = 0",
    },
  ],
  stages: 'default' as const,
};

/** A real app on in-memory SQLite with the shop's definitions and a clock the test moves. */
export async function audienceApp(
  start = '2026-06-01T12:00:00.000Z',
  options: { path?: string; forward?: Record<string, unknown> } = {},
) {
  let now = new Date(start);
  const clock = () => now;
  const storage = createSqliteStorage({ path: options.path ?? ':memory:' });
  await storage.migrate();
  const config = parseConfig({
    sites: [{ id: 'shop', writeKey: KEY, origins: ['https://shop.example'], ...SHOP_DEFINITIONS }],
    ...(options.forward ? { forward: options.forward } : {}),
  });
  const audiences = createAudienceEngine({ storage, config, clock });
  let ids = 0;
  const app = createApp({
    storage,
    config,
    adminToken: 'admin',
    sdkScript: '',
    sdkBanner: '',
    clock,
    newId: () => `id-${++ids}`,
    audiences,
  });
  const send = async (batch: Record<string, unknown>[]) => {
    const response = await app.request('/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${KEY}:`)}` },
      body: JSON.stringify({ batch }),
    });
    expect(response.status).toBe(200);
    await audiences.settled();
  };
  /** The collector's own change events of the person, oldest first. */
  const changes = async (kind: 'user' | 'anonymous', id: string) => {
    const person = await resolvePerson(storage, 'shop', { kind, id });
    const page = await storage.events({
      site: 'shop',
      userIds: person.userIds,
      anonymousIds: person.anonymousIds,
      limit: 1000,
    });
    return page.events.filter((e) => e.context?.kith).reverse();
  };
  return {
    app,
    config,
    storage,
    audiences,
    send,
    changes,
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
    now: () => now,
  };
}

export const track = (
  messageId: string,
  who: Record<string, string>,
  event: string,
  properties: Record<string, unknown>,
  timestamp: string,
) => ({
  type: 'track',
  messageId,
  ...who,
  event,
  properties,
  timestamp,
});
