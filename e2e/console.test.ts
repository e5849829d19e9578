import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, useShopInChromium } from './harness.ts';

// The shop process reads its environment when it starts (harness.ts passes it on).
const VIEWER_TOKEN = `viewer-${Math.random().toString(36).slice(2)}`;
process.env.KITH_VIEWER_TOKEN = VIEWER_TOKEN;
const running = useShopInChromium();

// Looked at by a person after a run; not kept in git.
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function signIn(browser: Browser, token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${running.shop.url}/console`);
  await page.getByLabel('Admin or viewer token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Persons' }).waitFor();
  return { context, page };
}

/** axe-core's WCAG 2.2 AA rules on the whole page, and screenshots at 1280 and 375 px. */
async function check(page: Page, name: string) {
  // Evaluated, not added as a script tag: the console's CSP (rightly) refuses inline script.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] });
    return result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target)).slice(0, 300)}`);
  });
  expect(violations, name).toEqual([]);
  mkdirSync(SHOTS, { recursive: true });
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await page.screenshot({ path: `${SHOTS}${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** A new browser profile on the shop, analytics accepted; its anonymous ID once stored. */
async function shopper(browser: Browser) {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${running.shop.url}/product/kith-mug`);
  const stored = page.waitForResponse((res) => new URL(res.url()).pathname === '/v1/batch' && res.ok());
  await page.getByRole('button', { name: 'Accept all' }).click();
  await stored;
  const storedAt = Date.now();
  const anonymousId = await eventually(async () => (await context.cookies()).find((c) => c.name === 'kith_aid')?.value);
  return { context, page, anonymousId, storedAt };
}

/** Logs in on the shop; answers the customer number the shop gave, which is the user ID. */
async function logIn(page: Page, email: string): Promise<string> {
  await page.goto(`${running.shop.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Log in' }).click();
  const welcome = await page.getByText(`Welcome back, ${email} (customer `).textContent();
  return welcome!.match(/customer (C\d+)/)![1]!;
}

describe('the console in Chromium', () => {
  it('follows a customer from the live view to their person page, on two devices, then exports and erases them', async () => {
    const signinPage = await (await running.browser.newContext()).newPage();
    await signinPage.goto(`${running.shop.url}/console`);
    await check(signinPage, 'signin');
    await signinPage.context().close();

    const { context, page } = await signIn(running.browser, running.shop.adminToken);
    await page.getByRole('link', { name: 'Live events' }).click();
    await page.getByText(/events shown/).waitFor();

    const phone = await shopper(running.browser);
    expect(
      await phone.page.getByRole('link', { name: 'See it as the shop does, in the console' }).getAttribute('href'),
    ).toBe('/console');
    const row = page.locator('#live-rows tr', { hasText: phone.anonymousId }).first();
    await row.waitFor({ timeout: 2000 });
    expect(Date.now() - phone.storedAt).toBeLessThan(2000);
    await check(page, 'live');

    await phone.page.getByRole('button', { name: 'Add to cart' }).click();
    const customer = await logIn(phone.page, 'ada@example.com');
    const laptop = await shopper(running.browser);
    expect(await logIn(laptop.page, 'ada@example.com')).toBe(customer);
    await eventually(async () => {
      const res = await running.shop.admin(`/v1/persons/user/${customer}`);
      const found = res.ok ? ((await res.json()) as { person: { deviceIds: string[] } }).person : undefined;
      return found && found.deviceIds.length === 2 ? found : undefined;
    });

    await page.getByRole('link', { name: 'Persons' }).click();
    await page.getByRole('searchbox').fill('ada@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await check(page, 'persons');
    await page.getByRole('link', { name: customer }).first().click();
    await page.getByRole('heading', { name: new RegExp(`^Person ${customer}`) }).waitFor();

    const graph = page.locator('svg.graph');
    for (const id of [phone.anonymousId, laptop.anonymousId, customer])
      await expect(graph.getByText(id, { exact: true }).count()).resolves.toBeGreaterThan(0);
    expect(await graph.locator('.node.device').count()).toBe(2);
    expect(await graph.locator('.link', { hasText: /^login · / }).count()).toBe(2);
    expect(await graph.locator('.link', { hasText: /^cookie · / }).count()).toBe(2);
    expect(await page.locator('.banner').first().getByText('Privacy settings', { exact: true }).isVisible()).toBe(true);
    await check(page, 'person');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /^Export/ }).click(),
    ]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      person: { userIds: string[]; anonymousIds: string[] };
    };
    expect(exported.person.userIds).toEqual([customer]);
    expect(exported.person.anonymousIds.sort()).toEqual([phone.anonymousId, laptop.anonymousId].sort());

    await page.getByLabel(/To erase this person/).fill(customer.slice(0, -1));
    await page.getByRole('button', { name: 'Erase' }).click();
    await page.getByText('Nothing was erased').waitFor();
    await page.getByLabel(/To erase this person/).fill(customer);
    await page.getByRole('button', { name: 'Erase' }).click();
    await page.getByRole('heading', { name: 'Person erased' }).waitFor();
    await check(page, 'erased');
    expect((await running.shop.admin(`/v1/persons/user/${customer}`)).status).toBe(404);
    await page.goto(`${running.shop.url}/console?q=ada%40example.com`);
    await page.getByText('Nobody matches').waitFor();

    await Promise.all([context.close(), phone.context.close(), laptop.context.close()]);
  }, 240_000);

  it('renders the XSS corpus sent through ingest inert on every page', async () => {
    const corpus = [
      '<script>window.__xss=1</script>',
      '<img src=x onerror="window.__xss=1">',
      'javascript:window.__xss=1',
      '\u202Egnp.exe',
      'A'.repeat(10_240),
    ];
    const batch = corpus.flatMap((value, i) => [
      {
        type: 'identify',
        messageId: `xi${i}`,
        anonymousId: `xss-anon-${i}-${value.slice(0, 60)}`,
        userId: `xss-${i}-${value.slice(0, 200)}`,
        traits: { email: `xss${i}@example.com`, name: value, [value.slice(0, 40)]: value },
      },
      {
        type: 'track',
        messageId: `xt${i}`,
        anonymousId: `xss-anon-${i}-${value.slice(0, 60)}`,
        event: value,
        properties: { value, url: value },
      },
      // An order each, so the figures page draws its retention cohorts too.
      {
        type: 'track',
        messageId: `xo${i}`,
        anonymousId: `xss-anon-${i}-${value.slice(0, 60)}`,
        event: 'Order Completed',
        properties: { revenue: 20 + i, products: [{ sku: value.slice(0, 40) }] },
      },
      {
        type: 'page',
        messageId: `xp${i}`,
        anonymousId: `xss-anon-${i}-${value.slice(0, 60)}`,
        name: value,
        properties: { path: value },
      },
    ]);
    const res = await fetch(`${running.shop.url}/v1/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa('dev:')}` },
      body: JSON.stringify({ batch }),
    });
    expect(res.status).toBe(200);

    const { context, page } = await signIn(running.browser, running.shop.adminToken);
    const alarms: string[] = [];
    page.on('dialog', (dialog) => void dialog.dismiss().then(() => alarms.push(`dialog: ${dialog.message()}`)));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) alarms.push(message.text());
    });
    const inert = async (where: string) => {
      const found = await page.evaluate(() => ({
        xss: (window as unknown as { __xss?: number }).__xss ?? null,
        images: document.querySelectorAll('img').length,
        scripts: [...document.scripts].map((script) => script.src || 'inline'),
        hrefs: [...document.querySelectorAll('a')]
          .map((a) => a.getAttribute('href') ?? '')
          .filter((href) => !href.startsWith('/') && !href.startsWith('#')),
        rtl: document.body.innerText.includes('\u202E'),
      }));
      expect(found, where).toEqual({
        xss: null,
        images: 0,
        scripts: found.scripts.filter((src) => src.includes('/console/assets/')),
        hrefs: [],
        rtl: false,
      });
    };

    await page.goto(`${running.shop.url}/console?q=xss-`);
    await inert('search');
    const links = await page.locator('table a').evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')!));
    expect(links.length).toBeGreaterThanOrEqual(corpus.length);
    for (const [i, link] of links.entries()) {
      await page.goto(running.shop.url + link);
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      await inert(link);
      if (i === 0) await check(page, 'person-hostile');
    }
    await page.goto(`${running.shop.url}/console/live`);
    await page.locator('#live-rows tr', { hasText: 'xss-3-⟨U+202E⟩gnp.exe' }).first().waitFor();
    await inert('live');
    for (const path of ['overview', 'figures', 'destinations']) {
      await page.goto(`${running.shop.url}/console/${path}`);
      await inert(path);
      await check(page, path);
    }
    expect(alarms).toEqual([]);
    await context.close();
  }, 240_000);

  it('lets the viewer token see a person but not export or erase', async () => {
    const { context, page } = await signIn(running.browser, VIEWER_TOKEN);
    expect(await page.getByText('Viewer (read-only)').isVisible()).toBe(true);
    await page.getByRole('searchbox').fill('xss-2');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('table a').first().click();
    await page.getByText('Signed in read-only').waitFor();
    expect(await page.getByRole('button', { name: /^Export|^Erase/ }).count()).toBe(0);
    const tried = await page.evaluate(async () => {
      const csrf = document.querySelector<HTMLInputElement>('input[name="csrf"]')!.value;
      const answer = await fetch(location.pathname + '/erase' + location.search, {
        method: 'POST',
        body: new URLSearchParams({ csrf, confirm: 'x' }),
      });
      return answer.status;
    });
    expect(tried).toBe(403);
    await check(page, 'person-viewer');
    await context.close();
  }, 120_000);
});
