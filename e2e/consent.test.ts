import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { deviceStorage, eventually, recordCollectorRequests, useShopInChromium } from './harness.ts';

const running = useShopInChromium();

/** Serves the shop's pages with extra attributes on the Kith script tag, as a site would configure it. */
async function withScriptAttributes(context: BrowserContext, attributes: string) {
  await context.route(`${running.shop.url}/**`, async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    const html = (await response.text()).replace('data-write-key="dev"', `data-write-key="dev" ${attributes}`);
    await route.fulfill({ response, body: html });
  });
}

const cookieValue = async (context: BrowserContext, name: string) =>
  (await context.cookies()).find((c) => c.name === name)?.value;

interface ExportedPerson {
  events: { type: string; event?: string }[];
  consents: {
    consent: { method: string; policyVersion: string; categories: Record<string, boolean>; bannerTextHash?: string };
  }[];
  bannerTexts: Record<string, Record<string, string>>;
}
// Until the collector has stored something for the ID, the export answers 404: read that as nothing yet.
const exportOf = async (anonymousId: string): Promise<ExportedPerson> => ({
  events: [],
  consents: [],
  bannerTexts: {},
  ...((await (
    await running.shop.admin(`/v1/persons/anonymous/${anonymousId}/export`)
  ).json()) as Partial<ExportedPerson>),
});

describe('consent in the demo shop', () => {
  it('keeps the exact banner text of each consent, and exports it with the person', async () => {
    const context = await running.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/`);
    await page.getByRole('button', { name: 'Accept all' }).waitFor();
    const shown = await page.locator('kith-consent').evaluate((host) => host.shadowRoot?.textContent ?? '');
    await page.getByRole('button', { name: 'Accept all' }).click();
    const anonymousId = await eventually(() => cookieValue(context, 'kith_aid'));
    const exported = await eventually(async () => {
      const person = await exportOf(anonymousId);
      return person.consents.length && person.events.length ? person : undefined;
    });
    const [record] = exported.consents;
    expect(record!.consent).toMatchObject({
      method: 'accept-all',
      policyVersion: '1',
      categories: { analytics: true, marketing: true },
    });
    const text = exported.bannerTexts[record!.consent.bannerTextHash!];
    // The stored version is the one the visitor saw: its texts are what the banner showed.
    expect(text).toMatchObject({ title: 'Privacy settings', acceptAll: 'Accept all', rejectAll: 'Reject all' });
    for (const key of ['title', 'text', 'acceptAll', 'rejectAll'] as const) expect(shown).toContain(text![key]);
    await context.close();
  });

  it('asks again when the site publishes a new policy version', async () => {
    const context = await running.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/`);
    await page.getByRole('button', { name: 'Reject all' }).click();
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForTimeout(500);
    expect(await page.getByRole('button', { name: 'Accept all' }).count()).toBe(0);

    await withScriptAttributes(context, 'data-policy-version="2"');
    await page.reload();
    await page.getByRole('button', { name: 'Accept all' }).waitFor();
    await context.close();
  });

  it('honours Global Privacy Control: "Accept all" grants no marketing, recorded as gpc', async () => {
    const context = await running.browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
    );
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/`);
    await page.getByRole('button', { name: 'Accept all' }).click();
    const anonymousId = await eventually(() => cookieValue(context, 'kith_aid'));
    const exported = await eventually(async () =>
      (await exportOf(anonymousId)).consents.length ? exportOf(anonymousId) : undefined,
    );
    expect(exported.consents[0]!.consent).toMatchObject({
      method: 'gpc',
      categories: { analytics: true, marketing: false },
    });
    await context.close();
  });

  it('sets the Google Consent Mode default before any choice and updates it on the choice', async () => {
    const context = await running.browser.newContext();
    await withScriptAttributes(context, 'data-consent-mode="google"');
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/`);
    await page.getByRole('button', { name: 'Accept all' }).waitFor();
    const dataLayer = () =>
      page.evaluate(() =>
        ((window as unknown as { dataLayer: IArguments[] }).dataLayer ?? []).map((entry) => Array.from(entry)),
      );
    const before = await dataLayer();
    expect(before[0]).toEqual([
      'consent',
      'default',
      expect.objectContaining({
        analytics_storage: 'denied',
        ad_storage: 'denied',
        ad_user_data: 'denied',
        ad_personalization: 'denied',
      }),
    ]);
    await page.getByRole('button', { name: 'Accept all' }).click();
    const after = await dataLayer();
    expect(after.at(-1)).toEqual([
      'consent',
      'update',
      expect.objectContaining({
        analytics_storage: 'granted',
        ad_storage: 'granted',
        ad_user_data: 'granted',
        ad_personalization: 'granted',
      }),
    ]);
    await context.close();
  });

  it('withdraws from the footer link: sending stops and the IDs leave the device', async () => {
    const context = await running.browser.newContext();
    const requests = recordCollectorRequests(context);
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/product/kith-mug`);
    await page.getByRole('button', { name: 'Accept all' }).click();
    await eventually(() => cookieValue(context, 'kith_aid'));
    // The collector's device cookie comes with the answer to the first batch.
    await eventually(async () => ((await deviceStorage(page)).cookies.includes('kith_did') ? true : undefined));
    await page.getByRole('button', { name: 'Cookie settings' }).click();
    await page.getByRole('button', { name: 'Reject all' }).click();
    // The SDK's own cookies go at once; the collector's HttpOnly device cookie goes with the answer to the withdrawal.
    expect((await deviceStorage(page)).cookies.filter((name) => name !== 'kith_did')).toEqual(['kith_consent']);
    await eventually(async () => ((await deviceStorage(page)).cookies.includes('kith_did') ? undefined : true));
    expect((await deviceStorage(page)).cookies).toEqual(['kith_consent']);

    const sentBefore = requests.length;
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForTimeout(2500);
    const later = requests.slice(sentBefore).flatMap((r) => (r.postDataJSON() as { batch: { type: string }[] }).batch);
    expect(later.filter((e) => e.type !== 'consent')).toEqual([]);
    await context.close();
  });

  it('has no axe-core violations in either layer of the banner on the shop page', async () => {
    // axe is injected as a script, which the shop's strict CSP would (rightly) refuse.
    const context = await running.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${running.shop.url}/`);
    await page.getByRole('button', { name: 'Accept all' }).waitFor();
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.addScriptTag({ content: axeSource });
    const violations = (target: Page) =>
      target.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string }[] }> };
          }
        ).axe;
        const result = await axe.run(
          { include: [['kith-consent']] },
          { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
        );
        return result.violations.map((v) => v.id);
      });
    expect(await violations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('switch', { name: /Analytics/ }).waitFor();
    expect(await violations(page)).toEqual([]);
    await context.close();
  });
});
