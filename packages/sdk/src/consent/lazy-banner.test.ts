// The script tag loads the banner module from the collector only when the banner must be shown,
// seen from pages on hosts of their own that serve the built kith.js and kith-banner.js.
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';

afterEach(() => commands.siteClose());

const DAYS = 86400;
const now = () => Math.floor(Date.now() / 1000);
const BANNER_SHOWN = `!!document.querySelector('kith-consent')?.shadowRoot?.querySelector('[role=dialog]')`;
/** The page's layout shift score so far (CLS's sum of layout-shift entries without recent input). */
const LAYOUT_SHIFT = `new Promise((resolve) => {
  let shift = 0;
  new PerformanceObserver((list) => list.getEntries().forEach((entry) => (shift += entry.hadRecentInput ? 0 : entry.value))).observe({ type: 'layout-shift', buffered: true });
  requestAnimationFrame(() => setTimeout(() => resolve(shift), 50));
})`;
const scripts = async () => (await commands.siteState()).scripts;
/** Long enough for a module asked for at start to have arrived and a banner to show. */
const settle = () => commands.siteRun('kith.ready().then(() => new Promise((resolve) => setTimeout(resolve, 200)))');

describe('the banner module', () => {
  it('is loaded on a first visit, and the banner shows without shifting the page', async () => {
    await commands.siteOpen('http://shop.localhost/', {
      data: { writeKey: 'wk' },
      body: '<h1>Shop</h1><p>Products</p>',
    });
    await expect.poll(() => commands.siteRun(BANNER_SHOWN)).toBe(true);

    expect(await scripts()).toEqual(['/kith.js', '/kith-banner.js']);
    expect(await commands.siteRun(LAYOUT_SHIFT)).toBe(0);
  });

  it('is not loaded for a returning visitor, until the footer link reopens the banner', async () => {
    await commands.siteOpen('http://shop.localhost/', {
      data: { writeKey: 'wk' },
      cookies: { kith_consent: `v=1&a=1&m=0&t=${now()}` },
    });
    await settle();
    expect(await commands.siteRun(BANNER_SHOWN)).toBe(false);
    expect(await scripts()).toEqual(['/kith.js']);

    await commands.siteRun('kith.consent.open()');
    await expect.poll(() => commands.siteRun(BANNER_SHOWN)).toBe(true);
    expect(await scripts()).toEqual(['/kith.js', '/kith-banner.js']);
  });

  it.each([
    ['a new policy version', { policyVersion: '2' }, `v=1&a=1&m=0&t=${now()}`],
    ['a choice past its lifetime', { consentLifetime: '30' }, `v=1&a=1&m=0&t=${now() - 31 * DAYS}`],
  ])('is loaded for %s', async (_, data, choice) => {
    await commands.siteOpen('http://shop.localhost/', {
      data: { writeKey: 'wk', ...data },
      cookies: { kith_consent: choice },
    });
    await expect.poll(() => commands.siteRun(BANNER_SHOWN)).toBe(true);
    expect(await scripts()).toEqual(['/kith.js', '/kith-banner.js']);
  });

  it('comes from the collector named by data-host, which may be another origin', async () => {
    await commands.siteOpen('http://shop.localhost/', { data: { writeKey: 'wk', host: 'http://collector.localhost' } });
    await expect.poll(() => commands.siteRun(BANNER_SHOWN)).toBe(true);
    const loaded = await commands.siteRun(
      `performance.getEntriesByType('resource').map(({ name }) => name).filter((name) => name.includes('kith-banner.js'))`,
    );
    expect(loaded).toEqual([expect.stringMatching(/^http:\/\/collector\.localhost\/kith-banner\.js\?\w+/)]);
  });
});
