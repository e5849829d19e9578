import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
import { eventually, useShopInChromium } from './harness.ts';

// The shop's pages on shop.test; its collector on another origin of the same site, and on another
// site altogether. Chromium resolves all three to this machine.
const SHOP = 'shop.test';
const SAME_SITE_COLLECTOR = 'collect.shop.test';
const OTHER_SITE_COLLECTOR = 'collector.example';
const HOSTS = [SHOP, SAME_SITE_COLLECTOR, OTHER_SITE_COLLECTOR];

let pages: Server;
let pagePort = 0;

// The shop's own web server (before the browser starts, which is told its port): a page whose tag names the collector with data-host.
beforeAll(async () => {
  pages = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/page.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end('window.kith.page();'); // deferred, so after the tag
      return;
    }
    const collector = url.searchParams.get('collector') ?? '';
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end(
        `<!doctype html><html lang="en"><title>shop</title><script src="${collector}/kith.js" data-write-key="shop-key" data-host="${collector}" data-flush-interval="200" defer></script><script src="/page.js" defer></script>`,
      );
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagePort = (pages.address() as { port: number }).port;
}, 60_000);
afterAll(() => pages?.close());

const running = useShopInChromium({
  config: { sites: [{ id: 'shop', writeKey: 'shop-key', origins: [`http://${SHOP}:*`] }] },
  chromiumArgs: (shopUrl) => [
    `--host-resolver-rules=${HOSTS.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`,
    // The page needs a secure context (crypto.randomUUID), as on https; these plain-http test hosts are told to count as one.
    `--unsafely-treat-insecure-origin-as-secure=${[`http://${SHOP}:${pagePort}`, ...HOSTS.map((host) => `http://${host}:${new URL(shopUrl).port}`)].join(',')}`,
  ],
});

const collectorOn = (host: string) => `http://${host}:${new URL(running.shop.url).port}`;

async function eventsOf(anonymousId: string, count: number): Promise<StoredEvent[]> {
  return eventually(async () => {
    const events = await running.shop.eventsOf('anonymous', anonymousId);
    return events.length >= count ? events : undefined;
  });
}

/** A visit with analytics accepted, three batches (the page view, then two flushed tracks), then a reload. */
async function visit(context: BrowserContext, collector: string) {
  const page: Page = await context.newPage();
  const url = `http://${SHOP}:${pagePort}/?collector=${encodeURIComponent(collector)}`;
  await page.goto(url);
  await page.getByRole('button', { name: 'Accept all' }).click();
  const anonymousId = await eventually(
    async () => (await context.cookies(`http://${SHOP}:${pagePort}`)).find((c) => c.name === 'kith_aid')?.value,
  );
  await eventsOf(anonymousId, 1);
  for (const name of ['First', 'Second']) {
    await page.evaluate((event) => {
      const kith = (window as unknown as { kith: { track(name: string): void; flush(): void } }).kith;
      kith.track(event);
      kith.flush();
    }, name);
    await eventsOf(anonymousId, name === 'First' ? 2 : 3);
  }
  await page.reload();
  const events = await eventsOf(anonymousId, 4);
  await page.close();
  return { anonymousId, events };
}

describe('a collector on another origin than the page, in Chromium', () => {
  it('on the same site: the device cookie is stored and sent, one device ID across batches and reloads', async () => {
    const context = await running.browser.newContext({ locale: 'en-GB' });
    const collector = collectorOn(SAME_SITE_COLLECTOR);
    const { anonymousId, events } = await visit(context, collector);

    const deviceCookie = (await context.cookies(collector)).find((c) => c.name === 'kith_did');
    expect(deviceCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', domain: SAME_SITE_COLLECTOR });
    expect(events.map((event) => event.deviceId)).toEqual(events.map(() => deviceCookie!.value));
    const person = (await (await running.shop.admin(`/v1/persons/anonymous/${anonymousId}?site=shop`)).json()) as {
      person: { deviceIds: string[] };
    };
    expect(person.person.deviceIds).toEqual([deviceCookie!.value]);
    await context.close();
  });

  it('on another site, where the browser keeps no cookie of the collector: still one device ID across batches and reloads', async () => {
    const context = await running.browser.newContext({ locale: 'en-GB' });
    const collector = collectorOn(OTHER_SITE_COLLECTOR);
    const { anonymousId, events } = await visit(context, collector);

    expect((await context.cookies(collector)).find((c) => c.name === 'kith_did')).toBeUndefined();
    const deviceIds = new Set(events.map((event) => event.deviceId));
    expect(deviceIds.size).toBe(1);
    expect([...deviceIds][0]).toMatch(/^[0-9a-f-]{36}$/);
    const person = (await (await running.shop.admin(`/v1/persons/anonymous/${anonymousId}?site=shop`)).json()) as {
      person: { deviceIds: string[] };
    };
    expect(person.person.deviceIds).toEqual([...deviceIds]);
    await context.close();
  });
});
