import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import Analytics from '@rudderstack/rudder-sdk-node';
import { afterEach, describe, expect, it } from 'vitest';
import { SHOP_KEY, testApp, type TestAppOptions } from '../../test/support/app.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => Promise.all(stops.splice(0).map((stop) => stop())));

/** The test app served over HTTP on loopback, as a server library reaches it, with what it was sent and how it answered. */
async function running(options: TestAppOptions = {}, afterAnswer: (status: number) => void = () => {}) {
  const t = await testApp(options);
  const answered: { path: string; encoding: string | null; status: number }[] = [];
  const sentIds: string[] = [];
  const server = serve({
    fetch: async (request) => {
      const wire = Buffer.from(await request.clone().arrayBuffer());
      const body = JSON.parse(gunzipSync(wire).toString()) as { batch: { messageId: string }[] };
      sentIds.push(...body.batch.map((event) => event.messageId));
      const response = await t.app.fetch(request);
      answered.push({
        path: new URL(request.url).pathname,
        encoding: request.headers.get('content-encoding'),
        status: response.status,
      });
      afterAnswer(response.status);
      return response;
    },
    port: 0,
    hostname: '127.0.0.1',
  });
  await new Promise((resolve) => server.once('listening', resolve));
  stops.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { ...t, answered, sentIds, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const eventsOf = async (admin: (path: string) => Response | Promise<Response>, kind: string, id: string) => {
  const res = await admin(`/v1/persons/${kind}/${id}/events?site=shop&limit=100`);
  return res.ok ? ((await res.json()) as { events: { messageId: string; type: string }[] }).events : [];
};

/** Resolves once the library reports the event delivered (or refused for good). */
const sent = (call: (callback: (error?: unknown) => void) => void) =>
  new Promise<unknown>((resolve) => call((error) => resolve(error)));

describe("RudderStack's Node SDK, unchanged but for its data plane URL", () => {
  it('delivers all six call types in gzipped batches, each stored once with its messageId', async () => {
    const { url, admin, answered, sentIds } = await running();
    const errors: unknown[] = [];
    const client = new Analytics(SHOP_KEY, {
      dataPlaneUrl: url,
      flushAt: 3,
      flushInterval: 50,
      errorHandler: (error) => errors.push(error),
    });
    client.page({ anonymousId: 'rs-anon', name: 'Home' });
    client.track({
      anonymousId: 'rs-anon',
      event: 'Product Viewed',
      properties: { sku: 'mug' },
    });
    client.identify({
      anonymousId: 'rs-anon',
      userId: 'rs-user',
      traits: { email: 'ada@example.com' },
    });
    client.group({ userId: 'rs-user', groupId: 'acme', traits: { name: 'Acme' } });
    client.screen({ userId: 'rs-user', name: 'Checkout' });
    client.alias({ userId: 'rs-user', previousId: 'rs-anon' });
    await client.flush();
    await client.flush();
    expect(errors).toEqual([]);

    const stored = await eventsOf(admin, 'user', 'rs-user');
    expect(sentIds).toHaveLength(6);
    expect(stored.map((e) => e.messageId).sort()).toEqual([...sentIds].sort());
    expect(stored.map((e) => e.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    expect(answered.length).toBeGreaterThan(0);
    for (const answer of answered) expect(answer).toEqual({ path: '/v1/batch', encoding: 'gzip', status: 200 });
  });

  it('retries a batch Kith answered 429 (after its Retry-After) until it is stored', async () => {
    // The collector's clock stands still, so the site's burst of two is spent by the third request
    // however slow the machine; it moves on by the Retry-After second once the 429 is answered.
    let now = Date.parse('2026-06-01T12:00:00.000Z');
    const { url, admin, answered, sentIds } = await running(
      { rateLimit: { perAddress: 0, perSite: 1 }, clock: () => new Date(now) },
      (status) => {
        if (status === 429) now += 1000;
      },
    );
    const client = new Analytics(SHOP_KEY, { dataPlaneUrl: url, flushAt: 1, flushInterval: 50 });
    // One request per event.
    for (const step of [1, 2, 3]) {
      const error = await sent((done) => client.track({ anonymousId: 'rs-limited', event: `Viewed ${step}` }, done));
      expect(error).toBeUndefined();
    }
    expect(answered.map((a) => a.status)).toEqual([200, 200, 429, 200]);
    const stored = await eventsOf(admin, 'anonymous', 'rs-limited');
    // The retried batch was sent twice with the same messageId, and is stored once.
    expect(stored.map((e) => e.messageId).sort()).toEqual([...new Set(sentIds)].sort());
    expect(stored).toHaveLength(3);
  });

  it('drops, without retrying, a batch Kith refused for good (unknown write key: 401)', async () => {
    const { url, answered } = await running();
    const errors: unknown[] = [];
    const client = new Analytics('no-such-key', {
      dataPlaneUrl: url,
      flushAt: 1,
      errorHandler: (error) => errors.push(error),
    });
    await sent((done) => client.track({ anonymousId: 'rs-nobody', event: 'Viewed' }, done));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answered.map((a) => a.status)).toEqual([401]);
    expect(errors).toHaveLength(1);
  });
});
