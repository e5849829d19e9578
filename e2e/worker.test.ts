// The SDK in Chromium against the collector on Cloudflare Workers: the Worker as wrangler bundles
// it, in workerd, behind the shop's own origin as a path route or reverse proxy puts it there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startBundledWorker, type BundledWorker } from '../packages/collector/test/support/worker.ts';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
import { deviceStorage, eventually, launchChromium, recordCollectorRequests } from './harness.ts';
import { startShopInFrontOf, type WorkerShop } from './worker-shop.ts';

const WRITE_KEY = 'worker-e2e-key';
const ADMIN_TOKEN = 'worker-e2e-admin';
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Worker shop</title>
<script src="/kith.js" data-write-key="${WRITE_KEY}"></script><script src="/page.js" defer></script></head>
<body><h1>Worker shop</h1><button id="add">Add to cart</button></body></html>`;
const PAGE_SCRIPT = `kith.page(); document.getElementById('add').onclick = () => kith.track('Product Added', { sku: 'kith-mug' });`;

let worker: BundledWorker;
let shop: WorkerShop;
let shopUrl: string;
let browser: Browser;

beforeAll(async () => {
  worker = await startBundledWorker({
    KITH_ADMIN_TOKEN: ADMIN_TOKEN,
    KITH_CONFIG: JSON.stringify({ sites: [{ id: 'shop', writeKey: WRITE_KEY, origins: ['http://127.0.0.1:*'] }] }),
  });
  shop = await startShopInFrontOf(worker.url, { page: PAGE, script: PAGE_SCRIPT });
  shopUrl = shop.url;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await shop?.stop();
  await worker?.stop();
});

const eventsOf = async (anonymousId: string): Promise<StoredEvent[]> => {
  const res = await fetch(`${worker.url}/v1/persons/anonymous/${anonymousId}/events`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return res.status === 200 ? ((await res.json()) as { events: StoredEvent[] }).events : [];
};

describe('the SDK against the Worker, in Chromium', () => {
  it('holds everything before a choice, then stores the visit in D1 and sets the HttpOnly device cookie', async () => {
    const context = await browser.newContext();
    const requests = recordCollectorRequests(context);
    const page = await context.newPage();
    await page.goto(`${shopUrl}/`);
    const accept = page.getByRole('button', { name: 'Accept all' });
    await accept.waitFor();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    // Longer than the SDK's flush interval: anything it would send unasked would have gone by now.
    await page.waitForTimeout(2500);
    expect(await deviceStorage(page)).toEqual({ cookies: [], localStorage: [], sessionStorage: [], indexedDB: [] });
    expect(requests.map((r) => r.url())).toEqual([]);

    await accept.click();
    const anonymousId = await eventually(
      async () => (await context.cookies()).find((c) => c.name === 'kith_aid')?.value,
    );
    const events = await eventually(async () => {
      const stored = await eventsOf(anonymousId);
      return stored.some((e) => e.type === 'page') && stored.some((e) => e.event === 'Product Added')
        ? stored
        : undefined;
    });
    expect(events.find((e) => e.event === 'Product Added')).toMatchObject({
      site: 'shop',
      anonymousId,
      properties: { sku: 'kith-mug' },
      context: { ip: '203.0.113.0', consent: { categories: { analytics: true } } },
    });
    const device = await eventually(async () => (await context.cookies()).find((c) => c.name === 'kith_did'));
    expect(device).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(events.every((e) => e.deviceId === device.value)).toBe(true);

    const exported = (await (
      await fetch(`${worker.url}/v1/persons/anonymous/${anonymousId}/export`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()) as { consents: { consent: { method: string } }[] };
    expect(exported.consents.map((c) => c.consent.method)).toEqual(['accept-all']);
    await context.close();
  });
});
