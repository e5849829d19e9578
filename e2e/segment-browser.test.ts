import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, useShopInChromium } from './harness.ts';

const WRITE_KEY = 'segment-shop-key';
// The shop's pages are on localhost; its collector on 127.0.0.1: another origin, so every call is CORS.
const running = useShopInChromium({
  config: {
    sites: [
      { id: 'shop', writeKey: WRITE_KEY, origins: ['http://localhost:*'], consentMapping: { Analytics: 'analytics' } },
    ],
  },
});

let page: Server;
let pageOrigin = '';
beforeAll(async () => {
  // analytics-next as a shop's build bundles it from npm: nothing of it comes from Segment's CDN.
  const bundled = await build({
    stdin: {
      contents:
        "import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;",
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
    if (req.url === '/analytics.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    else
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end('<!doctype html><title>Shop</title><script src="/analytics.js"></script>');
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://localhost:${(page.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => page.close(() => resolve())));

type Call = (...args: unknown[]) => Promise<{ event: { messageId: string } }>;
/** The part of analytics-next's API the page uses. */
interface SegmentClient {
  page: Call;
  track: Call;
  screen: Call;
  alias: Call;
  identify: Call;
  group: Call;
  addSourceMiddleware(
    middleware: (input: {
      payload: { obj: { context: Record<string, unknown> } };
      next: (payload: unknown) => void;
    }) => void,
  ): void;
}
interface PageGlobals {
  AnalyticsBrowser: { load(settings: { writeKey: string; cdnURL: string }): Promise<[SegmentClient]> };
  client: SegmentClient;
}

/** A visitor's page with analytics-next loaded from the collector's settings; its consent set by a source middleware, as Segment's consent wrappers do. */
async function visitor(analytics: boolean) {
  const context = await running.browser.newContext();
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const tab = await context.newPage();
  await tab.goto(`${pageOrigin}/`);
  await tab.evaluate(
    async ({ writeKey, cdnURL, analytics }) => {
      const w = window as unknown as PageGlobals;
      const [client] = await w.AnalyticsBrowser.load({ writeKey, cdnURL });
      client.addSourceMiddleware(({ payload, next }) => {
        payload.obj.context.consent = { categoryPreferences: { Analytics: analytics, Advertising: false } };
        next(payload);
      });
      w.client = client;
    },
    { writeKey: WRITE_KEY, cdnURL: running.shop.url, analytics },
  );
  return { context, tab, requests };
}

const person = async (kind: string, id: string) => {
  const res = await running.shop.admin(`/v1/persons/${kind}/${encodeURIComponent(id)}/events?limit=100`);
  return res.ok ? ((await res.json()) as { events: { messageId: string; type: string }[] }).events : [];
};

describe('Segment analytics-next in Chromium, pointed at Kith by cdnURL alone', () => {
  it('delivers all six call types, each stored once with its messageId; the identify joins the anonymous views to the customer; requests go to the collector only', async () => {
    const { tab, requests, context } = await visitor(true);
    const sent = await tab.evaluate(async () => {
      const client = (window as unknown as PageGlobals).client;
      const ids: string[] = [];
      ids.push((await client.page()).event.messageId);
      ids.push((await client.track('Product Viewed', { sku: 'mug' })).event.messageId);
      ids.push((await client.screen('Home')).event.messageId);
      ids.push((await client.alias('cust-1')).event.messageId);
      ids.push((await client.identify('cust-1', { email: 'ada@example.com' })).event.messageId);
      ids.push((await client.group('acme', { name: 'Acme' })).event.messageId);
      return ids;
    });
    const stored = await eventually(async () => {
      const events = await person('user', 'cust-1');
      return events.length >= 6 ? events : undefined;
    });
    expect(stored.map((e) => e.messageId).sort()).toEqual([...sent].sort());
    expect(stored.map((e) => e.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    const origins = new Set(requests.map((url) => new URL(url).origin));
    expect([...origins].sort()).toEqual([pageOrigin, running.shop.url].sort());
    await context.close();
  });

  it('refuses an event whose Segment consent does not grant analytics, with an answer the page can read, and keeps nothing', async () => {
    const { tab, context } = await visitor(false);
    const answered = tab.waitForResponse((res) => new URL(res.url()).pathname === '/v1/i');
    await tab.evaluate(() =>
      (window as unknown as PageGlobals).client.identify('cust-refused', { email: 'kim@example.com' }),
    );
    const res = await answered;
    expect(res.status()).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'no_consent' });
    expect(await person('user', 'cust-refused')).toEqual([]);
    await context.close();
  });
});
