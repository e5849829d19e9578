import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, useShopInChromium } from './harness.ts';

const WRITE_KEY = 'rudderstack-shop-key';
// The shop's pages are on localhost; its collector on 127.0.0.1: another origin, so every call is CORS.
const running = useShopInChromium({
  config: {
    sites: [
      { id: 'shop', writeKey: WRITE_KEY, origins: ['http://localhost:*'], consentMapping: { C0002: 'analytics' } },
    ],
  },
});

let page: Server;
let pageOrigin = '';
beforeAll(async () => {
  // The SDK's bundled build, as a shop's build bundles it from npm: every plugin is in it, none comes from RudderStack's CDN.
  const bundled = await build({
    stdin: {
      contents:
        "import { RudderAnalytics } from '@rudderstack/analytics-js/bundled'; window.RudderAnalytics = RudderAnalytics;",
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const script = bundled.outputFiles[0]!.text;
  page = createServer((req, res) => {
    if (req.url === '/rudder.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    else
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end('<!doctype html><title>Shop</title><script src="/rudder.js"></script>');
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => page.close(() => resolve())));

/** The part of RudderStack's API the page uses. */
interface RudderClient {
  load(writeKey: string, dataPlaneUrl: string, options: Record<string, unknown>): void;
  ready(callback: () => void): void;
  page(name: string): void;
  track(event: string, properties: Record<string, unknown>): void;
  identify(userId: string, traits: Record<string, unknown>): void;
  alias(to: string): void;
  group(groupId: string, traits: Record<string, unknown>): void;
  getAnonymousId(): string;
}
interface PageGlobals {
  RudderAnalytics: new () => RudderClient;
  rudder: RudderClient;
}

/**
 * A visitor's page with the SDK loaded by data plane URL and config URL, both the collector, and
 * the visitor's consent given to its custom consent manager as OneTrust-style category IDs.
 */
async function visitor(consent: { allowed: string[]; denied: string[] }, options: Record<string, unknown> = {}) {
  const context = await running.browser.newContext();
  const requests: Request[] = [];
  context.on('request', (request) => requests.push(request));
  const tab = await context.newPage();
  await tab.goto(`${pageOrigin}/`);
  await tab.evaluate(
    async ({ writeKey, collector, consent, options }) => {
      const w = window as unknown as PageGlobals;
      const rudder = new w.RudderAnalytics();
      rudder.load(writeKey, collector, {
        configUrl: collector,
        consentManagement: {
          enabled: true,
          provider: 'custom',
          allowedConsentIds: consent.allowed,
          deniedConsentIds: consent.denied,
        },
        ...options,
      });
      await new Promise<void>((resolve) => rudder.ready(resolve));
      w.rudder = rudder;
    },
    { writeKey: WRITE_KEY, collector: running.shop.url, consent, options },
  );
  /** What the SDK posted to the collector, as the page's network log shows it. */
  const posted = () =>
    requests
      .filter((request) => request.method() === 'POST' && request.url().startsWith(running.shop.url))
      .map((request) => ({ request, body: (request.postDataJSON() ?? {}) as Record<string, unknown> }));
  return { context, tab, requests, posted };
}

const person = async (kind: string, id: string) => {
  const res = await running.shop.admin(`/v1/persons/${kind}/${encodeURIComponent(id)}/events?limit=100`);
  return res.ok ? ((await res.json()) as { events: { messageId: string; type: string }[] }).events : [];
};

describe("RudderStack's browser SDK (bundled build) in Chromium, pointed at Kith by data plane and config URL", () => {
  it('delivers every call type it has, each stored once with its messageId; the identify joins the anonymous views; requests go to the collector only', async () => {
    const { tab, requests, posted, context } = await visitor({ allowed: ['C0001', 'C0002'], denied: ['C0004'] });
    const anonymousId = await tab.evaluate(() => {
      const rudder = (window as unknown as PageGlobals).rudder;
      rudder.page('Home');
      rudder.page('Product');
      rudder.track('Product Viewed', { sku: 'mug' });
      rudder.alias('rs-cust');
      rudder.identify('rs-cust', { email: 'ada@example.com' });
      rudder.group('acme', { name: 'Acme' });
      return rudder.getAnonymousId();
    });
    const stored = await eventually(async () => {
      const events = await person('user', 'rs-cust');
      return events.length >= 6 ? events : undefined;
    });
    const sent = posted().map(({ body }) => body);
    expect(sent.map((event) => event.messageId).sort()).toEqual(stored.map((e) => e.messageId).sort());
    expect(stored.map((e) => e.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'page', 'track']);
    // The anonymous page views, sent with `userId: ""` before the identify, are the customer's now.
    expect(sent.filter((event) => event.type === 'page').map((event) => event.userId)).toEqual(['', '']);
    // Each single-event post names its visitor in the AnonymousId header, base64 as the SDK sends it.
    for (const { request } of posted()) expect(await request.headerValue('anonymousid')).toBe(btoa(anonymousId));
    expect(new Set(posted().map(({ request }) => new URL(request.url()).pathname))).toEqual(
      new Set(['/v1/page', '/v1/track', '/v1/alias', '/v1/identify', '/v1/group']),
    );
    const origins = new Set(requests.map((request) => new URL(request.url()).origin));
    expect([...origins].sort()).toEqual([pageOrigin, running.shop.url].sort());
    expect(requests.some((request) => new URL(request.url()).pathname === '/sourceConfig/')).toBe(true);
    await context.close();
  });

  it('delivers batched calls to /v1/batch when loaded with batching on', async () => {
    const { tab, posted, context } = await visitor(
      { allowed: ['C0002'], denied: [] },
      { queueOptions: { batch: { enabled: true, maxItems: 3, flushInterval: 200 } } },
    );
    await tab.evaluate(() => {
      const rudder = (window as unknown as PageGlobals).rudder;
      rudder.page('Home');
      rudder.track('Product Viewed', { sku: 'mug' });
      rudder.identify('rs-batched', { plan: 'pro' });
    });
    const stored = await eventually(async () => {
      const events = await person('user', 'rs-batched');
      return events.length >= 3 ? events : undefined;
    });
    const batches = posted().filter(({ request }) => new URL(request.url()).pathname === '/v1/batch');
    const sent = batches.flatMap(({ body }) => body.batch as { messageId: string }[]);
    expect(sent.map((event) => event.messageId).sort()).toEqual(stored.map((e) => e.messageId).sort());
    expect(posted().filter(({ request }) => new URL(request.url()).pathname !== '/v1/batch')).toEqual([]);
    await context.close();
  });

  it('delivers through its beacon path when loaded with useBeacon', async () => {
    const { tab, posted, context } = await visitor(
      { allowed: ['C0002'], denied: [] },
      { useBeacon: true, beaconQueueOptions: { flushQueueInterval: 200 } },
    );
    await tab.evaluate(() => (window as unknown as PageGlobals).rudder.identify('rs-beacon', { plan: 'pro' }));
    const stored = await eventually(async () => {
      const events = await person('user', 'rs-beacon');
      return events.length >= 1 ? events : undefined;
    });
    // Chromium does not show a beacon's body to the network log: its path and the stored event show it went that way.
    const paths = posted().map(({ request }) => `${new URL(request.url()).pathname}${new URL(request.url()).search}`);
    expect(paths).toContain(`/beacon/v1/batch?writeKey=${WRITE_KEY}`);
    expect(paths.filter((path) => !path.startsWith('/beacon/'))).toEqual([]);
    expect(stored.map((e) => e.type)).toEqual(['identify']);
    await context.close();
  });

  it('refuses, with an answer the SDK reads as final, an event whose consent denies analytics, and keeps nothing', async () => {
    const { tab, posted, context } = await visitor({ allowed: ['C0001'], denied: ['C0002'] });
    const answered = tab.waitForResponse((res) => new URL(res.url()).pathname === '/v1/identify');
    await tab.evaluate(() =>
      (window as unknown as PageGlobals).rudder.identify('rs-refused', { email: 'kim@example.com' }),
    );
    const res = await answered;
    expect(res.status()).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'no_consent' });
    // The SDK retries 429, 5xx and network errors (a CORS failure among them) after 1 s; a readable 400 it drops.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(posted().filter(({ request }) => new URL(request.url()).pathname === '/v1/identify')).toHaveLength(1);
    expect(await person('user', 'rs-refused')).toEqual([]);
    await context.close();
  });
});
