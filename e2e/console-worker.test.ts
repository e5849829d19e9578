// The console on Cloudflare Workers: the same app as on Node, as wrangler bundles it, in workerd
// with D1. The live view polls there (no stream held open by a Worker).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startBundledWorker, type BundledWorker } from '../packages/collector/test/support/worker.ts';
import { launchChromium } from './harness.ts';

const WRITE_KEY = 'worker-console-key';
const ADMIN_TOKEN = 'worker-console-admin';
const VIEWER_TOKEN = 'worker-console-viewer';

let worker: BundledWorker;
let browser: Browser;

beforeAll(async () => {
  [worker, browser] = await Promise.all([
    startBundledWorker({
      KITH_ADMIN_TOKEN: ADMIN_TOKEN,
      KITH_VIEWER_TOKEN: VIEWER_TOKEN,
      KITH_SECRET: 'worker-console-secret-0123456789',
      KITH_CONFIG: JSON.stringify({ sites: [{ id: 'shop', writeKey: WRITE_KEY, origins: ['http://127.0.0.1:*'] }] }),
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

/** A shop's backend sending for a customer (no browser signals, so no consent is asked of it). */
const send = (batch: unknown[]) =>
  fetch(`${worker.url}/v1/batch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
    body: JSON.stringify({ batch }),
  });

describe('the console on the Worker, in Chromium', () => {
  it('signs in, shows events live by polling, finds the customer by e-mail, draws both devices, exports and erases', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${worker.url}/console`);
    await page.getByLabel('Admin or viewer token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Persons' }).waitFor();

    await page.getByRole('link', { name: 'Live events' }).click();
    await page.getByText(/events shown/).waitFor();
    expect(
      (
        await send([
          {
            type: 'identify',
            messageId: 'w1',
            anonymousId: 'phone-anon',
            userId: 'customer-7',
            traits: { email: 'bo@example.com' },
          },
          { type: 'track', messageId: 'w2', anonymousId: 'phone-anon', event: 'Product Added' },
          { type: 'identify', messageId: 'w3', anonymousId: 'laptop-anon', userId: 'customer-7' },
        ])
      ).status,
    ).toBe(200);
    const sentAt = Date.now();
    await page.locator('#live-rows tr', { hasText: 'Product Added' }).waitFor({ timeout: 2500 });
    expect(Date.now() - sentAt).toBeLessThan(2500);

    await page.getByRole('link', { name: 'Persons' }).click();
    await page.getByRole('searchbox').fill('bo@example');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'customer-7' }).click();
    const graph = page.locator('svg.graph');
    for (const id of ['customer-7', 'phone-anon', 'laptop-anon'])
      expect(await graph.getByText(id, { exact: true }).count()).toBe(1);
    expect(await graph.locator('.link', { hasText: /^login · / }).count()).toBe(2);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /^Export/ }).click(),
    ]);
    expect(JSON.parse(readFileSync((await download.path())!, 'utf8'))).toMatchObject({
      person: { userIds: ['customer-7'] },
    });

    await page.getByLabel(/To erase this person/).fill('customer-7');
    await page.getByRole('button', { name: 'Erase' }).click();
    await page.getByRole('heading', { name: 'Person erased' }).waitFor();
    await page.goto(`${worker.url}/console?q=bo%40example.com`);
    await page.getByText('Nobody matches').waitFor();
    await context.close();
  }, 180_000);
});
