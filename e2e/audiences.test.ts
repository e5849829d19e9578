import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startWebhookReceiver, type WebhookReceiver } from '../packages/collector/test/support/webhook-receiver.ts';
import { eventually, launchChromium, startShop, type RunningShop } from './harness.ts';

// A customer browses on one device, logs in on a second, and orders on both: the repeat-buyer audience
// and the journey stage are decided on the person (both devices), and reach the shop's tools at once.

const SECRET = 'e2e-audiences-webhook-secret-0123';
let receiver: WebhookReceiver;
let shop: RunningShop;
let browser: Browser;

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  [shop, browser] = await Promise.all([
    startShop({
      config: {
        sites: [
          {
            id: 'shop',
            writeKey: 'shop-key',
            origins: ['http://127.0.0.1:*'],
            audiences: [{ key: 'repeat_buyers', definition: "event('Order Completed').within(365 days).count() >= 2" }],
            stages: 'default',
          },
        ],
        forward: { webhooks: [{ id: 'crm', url: receiver.url, secret: SECRET }], pollMs: 50 },
      },
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await shop?.stop();
  await receiver?.close();
});

/** A new browser profile (a device) on a shop page, with analytics accepted. */
async function device(path: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${shop.url}${path}`);
  await page.getByRole('button', { name: 'Accept all' }).click();
  await eventually(async () => (await context.cookies()).find((c) => c.name === 'kith_aid')?.value);
  return { context, page };
}

async function logIn(page: Page, email: string): Promise<string> {
  await page.goto(`${shop.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Log in' }).click();
  const welcome = await page.getByText(`Welcome back, ${email} (customer `).textContent();
  return welcome!.match(/customer (C\d+)/)![1]!;
}

/** What the shop's order confirmation would send: Segment's `Order Completed`. */
const order = (page: Page, orderId: string, revenue: number) =>
  page.evaluate(
    ({ orderId, revenue }) =>
      (window as unknown as { kith: { track(e: string, p: object): void } }).kith.track('Order Completed', {
        order_id: orderId,
        revenue,
        currency: 'EUR',
      }),
    { orderId, revenue },
  );

describe('audiences in Chromium against the real collector and a webhook receiver', () => {
  it('sends Audience Entered and the stage change once each, within a second of the second order, across two devices', async () => {
    const phone = await device('/product/kith-mug');
    await phone.page.getByRole('button', { name: 'Add to cart' }).click();
    const customer = await logIn(phone.page, 'rea@example.com');
    await order(phone.page, 'order-1', 24);
    const storedOrders = (count: number) =>
      eventually(async () => {
        const orders = (await shop.eventsOf('user', customer)).filter((e) => e.event === 'Order Completed');
        return orders.length >= count ? orders : undefined;
      });
    await storedOrders(1);

    const laptop = await device('/product/kith-socks');
    expect(await logIn(laptop.page, 'rea@example.com')).toBe(customer);
    await order(laptop.page, 'order-2', 36);
    const second = (await storedOrders(2)).find((e) => e.properties?.order_id === 'order-2')!;

    const changesFor = (userId: string) =>
      receiver.delivered().filter((e) => e.userId === userId && e.context?.kith !== undefined);
    const entered = await eventually(async () =>
      changesFor(customer).find(
        (e) => e.event === 'Audience Entered' && e.properties?.audience_key === 'repeat_buyers',
      ),
    );
    const staged = await eventually(async () =>
      changesFor(customer).find(
        (e) => e.event === 'Journey Stage Changed' && e.properties?.stage_key === 'repeat_buyer',
      ),
    );

    // Within a second of the second order's arrival (both clocks are this machine's).
    const receivedAt = (messageId: string) =>
      receiver.requests.find((r) => r.status < 300 && r.batch.some((e) => e.messageId === messageId))!.at;
    expect(receivedAt(entered.messageId) - Date.parse(second.receivedAt)).toBeLessThan(1000);
    expect(receivedAt(staged.messageId) - Date.parse(second.receivedAt)).toBeLessThan(1000);

    // Every request was signed and checked; nothing came twice; the person is named by both devices' IDs.
    await laptop.page.waitForTimeout(1500);
    expect(receiver.requests.every((r) => r.signed)).toBe(true);
    const changes = changesFor(customer);
    expect(changes.filter((e) => e.event === 'Audience Entered')).toHaveLength(1);
    expect(changes.filter((e) => e.properties?.stage_key === 'repeat_buyer')).toHaveLength(1);
    expect(changes.filter((e) => e.event === 'Audience Exited')).toHaveLength(0);
    expect(new Set(receiver.delivered().map((e) => e.messageId)).size).toBe(receiver.delivered().length);
    const mark = entered.context!.kith as { userIds: string[]; anonymousIds: string[] };
    expect(mark.userIds).toEqual([customer]);
    expect(mark.anonymousIds).toHaveLength(2);
    await Promise.all([phone.context.close(), laptop.context.close()]);
  });
});
