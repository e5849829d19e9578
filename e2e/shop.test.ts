import { describe, expect, it } from 'vitest';
import { deviceStorage, eventually, recordCollectorRequests, useShopInChromium } from './harness.ts';

const running = useShopInChromium();

describe('the demo shop in Chromium', () => {
  it('stores nothing and sends nothing before a choice, then stores the visit after "Accept all"', async () => {
    const context = await running.browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    const requests = recordCollectorRequests(context);
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/`);
    const accept = page.getByRole('button', { name: 'Accept all' });
    await accept.waitFor();

    // Longer than the SDK's flush interval: anything it would send unasked would have gone by now.
    await page.waitForTimeout(2500);
    expect(await deviceStorage(page)).toEqual({ cookies: [], localStorage: [], sessionStorage: [], indexedDB: [] });
    expect(requests.map((r) => r.url())).toEqual([]);

    await accept.click();
    const anonymousId = await eventually(
      async () => (await context.cookies()).find((c) => c.name === 'kith_aid')?.value,
    );

    await page.getByRole('link', { name: 'Kith Mug' }).click();
    await page.getByRole('heading', { name: 'Kith Mug' }).waitFor();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Kith Mug added to your cart.').waitFor();
    await page.getByRole('link', { name: 'Cart' }).click();
    await page.getByRole('heading', { name: 'Your cart' }).waitFor();

    const events = await eventually(async () => {
      const stored = await running.shop.eventsOf('anonymous', anonymousId);
      return stored.filter((e) => e.type === 'page').length >= 3 && stored.some((e) => e.event === 'Product Added')
        ? stored
        : undefined;
    });

    const paths = events
      .filter((e) => e.type === 'page')
      .map((e) => e.context?.page?.path)
      .reverse();
    expect(paths).toEqual(['/', '/product/kith-mug', '/cart']);
    const added = events.find((e) => e.event === 'Product Added')!;
    expect(added).toMatchObject({
      type: 'track',
      site: 'dev',
      anonymousId,
      properties: { sku: 'kith-mug', name: 'Kith Mug', price: 12, currency: 'EUR', quantity: 1 },
      context: {
        page: {
          path: '/product/kith-mug',
          url: `${running.shop.url}/product/kith-mug`,
          title: 'Kith Mug · Kith Demo Shop',
          referrer: `${running.shop.url}/`,
        },
        locale: 'en-GB',
        timezone: 'Europe/Berlin',
        library: { name: 'kith' },
        consent: { categories: { analytics: true } },
      },
    });
    expect(added.context?.userAgent).toMatch(/Chrome/);
    expect(added.context?.screen?.width).toBeGreaterThan(0);
    expect(typeof added.messageId).toBe('string');
    // The collector's own times: arrival, and the client time corrected for skew (never after arrival).
    expect(Date.parse(added.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(added.timestamp)).toBeLessThanOrEqual(Date.parse(added.receivedAt));
    expect(new Set(events.map((e) => e.messageId)).size).toBe(events.length);
    await context.close();
  });

  it('after "Reject all" keeps only the choice cookie and sends only the record of that choice', async () => {
    const context = await running.browser.newContext();
    const requests = recordCollectorRequests(context);
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/product/kith-tote`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('button', { name: 'Reject all' }).click();
    await page.getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForTimeout(2500);

    expect(await page.getByRole('button', { name: 'Accept all' }).count()).toBe(0);
    // Kith keeps only the choice; the cart is the shop's own (strictly necessary), in the tab's session.
    expect(await deviceStorage(page)).toEqual({
      cookies: ['kith_consent'],
      localStorage: [],
      sessionStorage: ['shop-cart'],
      indexedDB: [],
    });
    // The one request is the proof of the refusal, under a one-time ID the device does not keep.
    expect(requests).toHaveLength(1);
    const sent = requests[0]!.postDataJSON() as {
      batch: { type: string; anonymousId: string; properties: Record<string, unknown> }[];
    };
    expect(sent.batch).toEqual([
      expect.objectContaining({
        type: 'consent',
        properties: expect.objectContaining({
          method: 'reject-all',
          categories: expect.objectContaining({ analytics: false, marketing: false }),
        }),
      }),
    ]);
    const exported = await (
      await running.shop.admin(`/v1/persons/anonymous/${sent.batch[0]!.anonymousId}/export`)
    ).json();
    expect(exported).toMatchObject({ events: [], consents: [{ consent: { method: 'reject-all' } }] });
    await context.close();
  });

  it('identifies a visitor who logs in by their customer number, never their e-mail address', async () => {
    const context = await running.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/login`);
    await page.getByRole('button', { name: 'Accept all' }).click();
    await page.getByLabel('Email').fill('Ada@Example.com');
    await page.getByRole('button', { name: 'Log in' }).click();
    const welcome = await page.getByText(/Welcome back, ada@example\.com \(customer (C\d+)\)\./).textContent();
    const customerId = welcome!.match(/customer (C\d+)/)![1]!;

    const events = await eventually(async () => {
      const stored = await running.shop.eventsOf('user', customerId);
      return stored.some((e) => e.type === 'identify') && stored.some((e) => e.event === 'Signed In')
        ? stored
        : undefined;
    });
    expect(events.find((e) => e.type === 'identify')).toMatchObject({ userId: customerId });
    // The e-mail is a trait the collector keeps, never an ID: no event names it as a user or anonymous ID.
    expect(events.flatMap((e) => [e.userId, e.anonymousId])).not.toContain('ada@example.com');
    expect(events.find((e) => e.type === 'identify')).toMatchObject({ traits: { email: 'ada@example.com' } });
    expect((await context.cookies()).find((c) => c.name === 'kith_uid')?.value).toBe(customerId);
    await context.close();
  });

  it("shows what it knows about the visitor: IDs, consent, this visit's events, and a cart that lists what was added", async () => {
    const context = await running.browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    const texts = (selector: string) => page.locator(selector).allTextContents();
    const until = (selector: string, expected: string[]) =>
      eventually(async () => (JSON.stringify(await texts(selector)) === JSON.stringify(expected) ? true : undefined));
    await page.goto(`${running.shop.url}/product/kith-socks`);
    await page.getByRole('complementary', { name: 'What this shop knows about you' }).waitFor();
    expect(await texts('#known-anonymous-id')).toEqual(['none: nothing is kept before you choose']);
    await page.getByRole('img', { name: 'A pair of striped socks' }).waitFor();

    await page.getByRole('button', { name: 'Accept all' }).click();
    const anonymousId = await eventually(
      async () => (await context.cookies()).find((c) => c.name === 'kith_aid')?.value,
    );
    await until('#known-anonymous-id', [anonymousId]);
    expect((await texts('#known-consent'))[0]).toMatch(
      /^necessary, analytics, marketing \(privacy policy version 1\)$/,
    );
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await until('#known-events li', ['Page viewed: /product/kith-socks', 'Product Added Kith Socks']);

    await page.goto(`${running.shop.url}/product/kith-mug`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('link', { name: 'Cart' }).click();
    await page.getByRole('heading', { name: 'Your cart' }).waitFor();
    expect(await texts('#cart-items li')).toEqual(['Kith Socks, €9.00', 'Kith Mug, €12.00']);
    expect(await texts('#cart-total')).toEqual(['Total: €21.00']);
    await until('#known-events li', [
      'Page viewed: /product/kith-socks',
      'Product Added Kith Socks',
      'Page viewed: /product/kith-mug',
      'Product Added Kith Mug',
      'Page viewed: /cart',
    ]);
    // Product images are the shop's own files.
    await page.goto(`${running.shop.url}/`);
    const images = await page
      .locator('.products img')
      .evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).src));
    expect(images).toHaveLength(3);
    expect(images.every((src) => src.startsWith(`${running.shop.url}/assets/products/`))).toBe(true);
    await context.close();
  });
});
