// The console on Cloudflare Workers: the same app as on Node, as wrangler bundles it, in workerd
// with D1. The live view polls there (no stream held open by a Worker). The shop's visitors are
// real browser profiles on a shop whose own server passes the collector's paths on to the Worker.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startBundledWorker, type BundledWorker } from '../packages/collector/test/support/worker.ts';
import { eventually, launchChromium } from './harness.ts';
import { startShopInFrontOf, type WorkerShop } from './worker-shop.ts';

const WRITE_KEY = 'worker-console-key';
const ADMIN_TOKEN = 'worker-console-admin';
const VIEWER_TOKEN = 'worker-console-viewer';
const CUSTOMER = 'customer-7';
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Worker shop</title>
<script src="/kith.js" data-write-key="${WRITE_KEY}"></script><script src="/page.js" defer></script></head>
<body><h1>Worker shop</h1><button id="add">Add to cart</button>
<form id="login"><label for="email">Email</label><input id="email" type="email"><button>Log in</button></form>
<p id="welcome"></p></body></html>`;
// The shop's login names the customer by their number and passes the e-mail as a trait, as the demo shop does.
const PAGE_SCRIPT = `kith.page();
document.getElementById('add').onclick = () => kith.track('Product Added', { sku: 'kith-mug' });
document.getElementById('login').onsubmit = (event) => {
  event.preventDefault();
  const email = document.getElementById('email').value;
  kith.identify('${CUSTOMER}', { email });
  document.getElementById('welcome').textContent = 'Welcome back, ' + email;
};`;

let worker: BundledWorker;
let shop: WorkerShop;
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
  shop = await startShopInFrontOf(worker.url, { page: PAGE, script: PAGE_SCRIPT });
});

afterAll(async () => {
  await browser?.close();
  await shop?.stop();
  await worker?.stop();
});

const stored = (page: Page) => page.waitForResponse((res) => new URL(res.url()).pathname === '/v1/batch' && res.ok());

/** A new browser profile on the shop, analytics accepted; its anonymous ID once stored. */
async function shopper() {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${shop.url}/`);
  const sent = stored(page);
  await page.getByRole('button', { name: 'Accept all' }).click();
  await sent;
  const storedAt = Date.now();
  const anonymousId = await eventually(async () => (await context.cookies()).find((c) => c.name === 'kith_aid')?.value);
  return { context, page, anonymousId, storedAt };
}

async function logIn(page: Page, email: string) {
  const sent = stored(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Log in' }).click();
  await sent;
}

const personOf = async (userId: string) => {
  const res = await fetch(`${worker.url}/v1/persons/user/${userId}`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return res.status === 200 ? ((await res.json()) as { person: { deviceIds: string[] } }).person : res.status;
};

describe('the console on the Worker, in Chromium', () => {
  it('shows a shop visit live by polling, finds the customer by e-mail, draws both devices, exports and erases', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${worker.url}/console`);
    await page.getByLabel('Admin or viewer token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Persons' }).waitFor();

    await page.getByRole('link', { name: 'Live events' }).click();
    await page.getByText(/events shown/).waitFor();
    const phone = await shopper();
    await page.locator('#live-rows tr', { hasText: phone.anonymousId }).first().waitFor({ timeout: 2000 });
    expect(Date.now() - phone.storedAt).toBeLessThan(2000);

    await phone.page.getByRole('button', { name: 'Add to cart' }).click();
    await logIn(phone.page, 'bo@example.com');
    const laptop = await shopper();
    await logIn(laptop.page, 'bo@example.com');
    await eventually(async () => {
      const person = await personOf(CUSTOMER);
      return typeof person === 'object' && person.deviceIds.length === 2 ? person : undefined;
    });

    await page.getByRole('link', { name: 'Persons' }).click();
    await page.getByRole('searchbox').fill('bo@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: CUSTOMER }).first().click();
    await page.getByRole('heading', { name: new RegExp(`^Person ${CUSTOMER}`) }).waitFor();
    const graph = page.locator('svg.graph');
    for (const id of [CUSTOMER, phone.anonymousId, laptop.anonymousId])
      expect(await graph.getByText(id, { exact: true }).count()).toBeGreaterThan(0);
    expect(await graph.locator('.node.device').count()).toBe(2);
    expect(await graph.locator('.link', { hasText: /^login · / }).count()).toBe(2);
    expect(await graph.locator('.link', { hasText: /^cookie · / }).count()).toBe(2);
    expect(await page.locator('.banner').first().getByText('Privacy settings', { exact: true }).isVisible()).toBe(true);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /^Export/ }).click(),
    ]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      person: { userIds: string[]; anonymousIds: string[] };
    };
    expect(exported.person.userIds).toEqual([CUSTOMER]);
    expect(exported.person.anonymousIds.sort()).toEqual([phone.anonymousId, laptop.anonymousId].sort());

    await page.getByLabel(/To erase this person/).fill('customer-');
    await page.getByRole('button', { name: 'Erase' }).click();
    await page.getByText('Nothing was erased').waitFor();
    await page.getByLabel(/To erase this person/).fill(CUSTOMER);
    await page.getByRole('button', { name: 'Erase' }).click();
    await page.getByRole('heading', { name: 'Person erased' }).waitFor();
    expect(await personOf(CUSTOMER)).toBe(404);
    await page.goto(`${worker.url}/console?q=bo%40example.com`);
    await page.getByText('Nobody matches').waitFor();
    await Promise.all([context.close(), phone.context.close(), laptop.context.close()]);
  }, 240_000);
});
