import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, useShopInChromium } from './harness.ts';

// Every test tracks numbered events and ends by counting what the collector stored:
// each number exactly once (none missing, none twice), each messageId once.

const running = useShopInChromium();

async function consentedPage(context: BrowserContext, path = '/'): Promise<{ page: Page; anonymousId: string }> {
  const page = await context.newPage();
  await page.goto(`${running.shop.url}${path}`);
  // A context that has not chosen yet gets the banner, which loads after the page (kith-banner.js):
  // wait for it rather than look once, or a slow load leaves the visitor without consent.
  const chosen = (await context.cookies()).some((c) => c.name === 'kith_aid');
  if (!chosen) await page.getByRole('button', { name: 'Accept all' }).click({ timeout: 15_000 });
  const anonymousId = await eventually(async () => (await context.cookies()).find((c) => c.name === 'kith_aid')?.value);
  return { page, anonymousId };
}

const track = (page: Page, run: string, numbers: number[]) =>
  page.evaluate(
    ({ run, numbers }) => {
      for (const n of numbers)
        (window as unknown as { kith: { track(e: string, p: object): void } }).kith.track('Delivery Check', { run, n });
    },
    { run, numbers },
  );

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Waits until `expected` numbers of `run` are stored, then proves each is stored exactly once. */
async function expectStoredOnce(anonymousId: string, run: string, expected: number[], timeoutMs = 30_000) {
  const stored = await eventually(async () => {
    const events = (await running.shop.eventsOf('anonymous', anonymousId)).filter(
      (e) => e.event === 'Delivery Check' && e.properties?.run === run,
    );
    const numbers = new Set(events.map((e) => e.properties?.n));
    return expected.every((n) => numbers.has(n)) ? events : undefined;
  }, timeoutMs).catch(async () =>
    (await running.shop.eventsOf('anonymous', anonymousId)).filter((e) => e.properties?.run === run),
  );
  const numbers = stored.map((e) => e.properties?.n as number).sort((a, b) => a - b);
  expect(numbers).toEqual(expected);
  expect(new Set(stored.map((e) => e.messageId)).size).toBe(stored.length);
}

describe('delivery that loses nothing, in Chromium against the real collector', () => {
  it('delivers what was tracked while offline once the network is back', async () => {
    const context = await running.browser.newContext();
    const { page, anonymousId } = await consentedPage(context);
    await context.setOffline(true);
    await track(page, 'offline', range(0, 30));
    await page.waitForTimeout(3000);
    await context.setOffline(false);
    await expectStoredOnce(anonymousId, 'offline', range(0, 30));
    await context.close();
  });

  it('delivers a batch that was still being collected when the page reloaded', async () => {
    const context = await running.browser.newContext();
    const { page, anonymousId } = await consentedPage(context);
    await track(page, 'reload', range(0, 10));
    await page.reload();
    await track(page, 'reload', range(10, 12));
    await expectStoredOnce(anonymousId, 'reload', range(0, 12));
    await context.close();
  });

  it('delivers what was tracked right before navigating away', async () => {
    const context = await running.browser.newContext();
    const { page, anonymousId } = await consentedPage(context);
    await track(page, 'navigate', range(0, 5));
    await page.goto(`${running.shop.url}/cart`);
    await expectStoredOnce(anonymousId, 'navigate', range(0, 5));
    await context.close();
  });

  it('sends what a closed tab could not send when the site is opened again', async () => {
    const context = await running.browser.newContext();
    const { page, anonymousId } = await consentedPage(context);
    await context.setOffline(true);
    await track(page, 'closed-tab', range(0, 10));
    // The visitor reads on for a moment, then closes the tab: no unload handler runs, the network is down.
    await page.waitForTimeout(1000);
    const later = await context.newPage();
    await page.close();
    await context.setOffline(false);
    await later.goto(`${running.shop.url}/cart`);
    await expectStoredOnce(anonymousId, 'closed-tab', range(0, 10));
    await context.close();
  });

  it('stores each event of three tabs tracking at once exactly once', async () => {
    const context = await running.browser.newContext();
    const { anonymousId } = await consentedPage(context);
    const tabs = await Promise.all([0, 1, 2].map(() => consentedPage(context, '/cart')));
    await Promise.all(tabs.map(({ page }, tab) => track(page, 'tabs', range(tab * 40, tab * 40 + 40))));
    await expectStoredOnce(anonymousId, 'tabs', range(0, 120));
    await context.close();
  });

  it('loses nothing when the collector process is killed and restarted during traffic', async () => {
    const context = await running.browser.newContext();
    const { page, anonymousId } = await consentedPage(context);
    await track(page, 'crash', range(0, 20));
    const restarted = running.shop.crashAndRestart(1500);
    for (let i = 20; i < 60; i += 5) {
      await track(page, 'crash', range(i, i + 5));
      await page.waitForTimeout(100);
    }
    await restarted;
    await expectStoredOnce(anonymousId, 'crash', range(0, 60), 60_000);
    await context.close();
  });

  it('answers 503 while storage is locked away, then stores everything once it is back', async () => {
    const context = await running.browser.newContext();
    const { page, anonymousId } = await consentedPage(context);
    const statuses: number[] = [];
    context.on('response', (response) => {
      if (response.url().endsWith('/v1/batch')) statuses.push(response.status());
    });
    // Another process holding SQLite's exclusive lock: the collector cannot write.
    const lock = new DatabaseSync(running.shop.dbPath);
    lock.exec('pragma busy_timeout = 5000; begin exclusive');
    try {
      await track(page, 'outage', range(0, 10));
      await eventually(async () => (statuses.includes(503) ? true : undefined), 30_000);
    } finally {
      lock.exec('rollback');
      lock.close();
    }
    await track(page, 'outage', range(10, 15));
    await expectStoredOnce(anonymousId, 'outage', range(0, 15), 60_000);
    expect(statuses).toContain(503);
    await context.close();
  });
});
