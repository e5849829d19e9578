import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Analytics } from '@segment/analytics-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, SHOP_KEY, testApp } from '../../test/support/app.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => Promise.all(stops.splice(0).map((stop) => stop())));

/** The test app served over HTTP on loopback, as a server library reaches it. */
async function running() {
  const t = await testApp();
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  stops.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { ...t, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("Segment's server library, unchanged but for its host", () => {
  it('delivers all six call types from @segment/analytics-node, each stored once with its messageId, and joins them to the customer', async () => {
    const { url, app } = await running();
    const analytics = new Analytics({ writeKey: SHOP_KEY, host: url, flushInterval: 50 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    analytics.page({ anonymousId: 'node-anon', name: 'Home', messageId: 'node-page' });
    analytics.track({
      anonymousId: 'node-anon',
      event: 'Product Viewed',
      properties: { sku: 'mug' },
      messageId: 'node-track',
    });
    analytics.identify({
      anonymousId: 'node-anon',
      userId: 'node-user',
      traits: { email: 'ada@example.com' },
      messageId: 'node-identify',
    });
    analytics.group({ userId: 'node-user', groupId: 'acme', traits: { name: 'Acme' }, messageId: 'node-group' });
    analytics.screen({ userId: 'node-user', name: 'Checkout', messageId: 'node-screen' });
    analytics.alias({ userId: 'node-user', previousId: 'node-anon', messageId: 'node-alias' });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);

    const res = await app.request('/v1/persons/user/node-user/events?site=shop&limit=100', {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { events } = (await res.json()) as { events: { messageId: string; type: string }[] };
    expect(events.map((e) => e.messageId).sort()).toEqual([
      'node-alias',
      'node-group',
      'node-identify',
      'node-page',
      'node-screen',
      'node-track',
    ]);
  });
});
