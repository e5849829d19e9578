import { afterEach, assert, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import type { Kith } from './index.ts';
import { banner, gtagCommands, recordRequests, resetPage, shownBanner, teardown } from '../test/support.ts';

afterEach(() => {
  delete window.kith;
  for (const script of document.querySelectorAll('script[data-write-key]')) script.remove();
  return resetPage();
});

let loads = 0;

/** Runs the built script-tag bundle as a classic <script> with the given data-* attributes. */
async function loadScript(data: Record<string, string>) {
  if (!loads++) await commands.serveScripts();
  const script = document.createElement('script');
  Object.assign(script.dataset, data);
  // A new address each time: the script runs again rather than from the cache.
  script.src = `/kith.js?${loads}`;
  await new Promise((resolve, reject) => {
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

/** The banner, once the script has loaded its module from the collector, shown and focused it. */
async function loadedBanner() {
  await expect.poll(() => banner().dialog).toBeTruthy();
  return shownBanner();
}

function loadedKith(): Kith {
  const kith = window.kith;
  assert(kith && !Array.isArray(kith), 'window.kith is the SDK');
  return kith;
}

it('reads its data-* attributes and replays commands queued before it loaded', async () => {
  const { requests, bodies } = recordRequests();
  window.kith = [
    ['track', 'Early', { sku: 'A1' }],
    ['identify', 'user-1'],
    ['page', 'Home'],
  ];
  await loadScript({ writeKey: 'site-key', host: 'https://collector.example', policyVersion: '7', flushAt: '2' });
  const kith = loadedKith();
  expect((await loadedBanner()).dialog).toBeTruthy();
  expect(requests).toEqual([]);
  kith.consent.choose({ analytics: true });
  await kith.flush();

  expect(requests.map(({ url }) => url)).toEqual([
    'https://collector.example/v1/batch',
    'https://collector.example/v1/batch',
  ]);
  const sent = await bodies();
  expect(sent.map(({ writeKey }) => writeKey)).toEqual(['site-key', 'site-key']);
  expect(sent.flatMap(({ batch }) => batch)).toMatchObject([
    {
      type: 'consent',
      properties: { policyVersion: '7', method: 'api' },
      context: { consent: { policyVersion: '7' } },
    },
    { type: 'track', event: 'Early', properties: { sku: 'A1' } },
    { type: 'identify', userId: 'user-1' },
    { type: 'page', name: 'Home', userId: 'user-1' },
  ]);
});

it('configures the consent banner from data-* attributes', async () => {
  const { bodies } = recordRequests();
  document.cookie = `kith_consent=v=7&a=1&m=1&t=${Math.floor(Date.now() / 1000) - 11 * 86400};path=/`;
  await loadScript({
    writeKey: 'site-key',
    policyVersion: '7',
    consentLifetime: '10',
    consentMode: 'google',
    privacyUrl: '/privacy',
    imprintUrl: '/imprint',
    categories: JSON.stringify({ video: { label: 'Videos', description: 'Embedded videos.' } }),
    texts: JSON.stringify({ title: 'Cookies?' }),
  });
  const { root, settings, switches, save } = await loadedBanner();

  // The stored choice is 11 days old, past the 10-day lifetime: asked again.
  expect(root?.querySelector('h2')?.textContent).toBe('Cookies?');
  expect([...root!.querySelectorAll('a')].map((link) => link.getAttribute('href'))).toEqual(['/privacy', '/imprint']);
  expect(gtagCommands()).toEqual([['consent', 'default', expect.objectContaining({ analytics_storage: 'denied' })]]);
  settings!.click();
  switches.video!.click();
  save!.click();
  await loadedKith().flush();

  expect(document.cookie).toMatch(/kith_consent=v=7&a=0&m=0&c.video=1&t=/);
  const [record] = (await bodies()).flatMap(({ batch }) => batch);
  expect(record?.properties).toMatchObject({
    policyVersion: '7',
    categories: { video: true },
    bannerText: { title: 'Cookies?', videoLabel: 'Videos' },
  });
});

it('names the attribute when its JSON is broken', async () => {
  const errors: string[] = [];
  const onError = (event: ErrorEvent) => {
    errors.push(event.message);
    event.preventDefault();
  };
  addEventListener('error', onError);
  try {
    await loadScript({ writeKey: 'site-key', texts: '{title:' });
  } finally {
    removeEventListener('error', onError);
  }
  expect(errors).toEqual([expect.stringContaining('kith: data-texts is not valid JSON')]);
  expect((await shownBanner()).root).toBeUndefined();
});

it('keeps the first instance when the tag is on the page twice', async () => {
  await loadScript({ writeKey: 'site-key' });
  const first = window.kith;
  await loadScript({ writeKey: 'site-key' });

  expect(window.kith).toBe(first);
  await shownBanner();
  expect(document.querySelectorAll('kith-consent')).toHaveLength(1);
});

it('records client-side navigations as page views with data-track-pages="spa"', async () => {
  const testerUrl = location.href;
  document.cookie = `kith_consent=v=1&a=1&m=0&t=${Math.floor(Date.now() / 1000)};path=/`;
  const { bodies } = recordRequests();
  await loadScript({ writeKey: 'site-key', trackPages: 'spa' });
  try {
    history.pushState(null, '', '/checkout');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await loadedKith().flush();

    expect((await bodies()).flatMap(({ batch }) => batch)).toMatchObject([
      { type: 'page', properties: { path: '/checkout' } },
    ]);
  } finally {
    teardown();
    history.replaceState(null, '', testerUrl);
  }
});

it('replays alias, group and reset queued before it loaded', async () => {
  const { bodies } = recordRequests();
  window.kith = [
    ['identify', 'ana@example.com'],
    ['group', 'acme', { plan: 'pro' }],
    ['reset'],
    ['alias', 'ben@example.com', 'crm-7'],
  ];
  await loadScript({ writeKey: 'site-key' });
  const kith = loadedKith();
  kith.consent.choose({ analytics: true });
  await kith.flush();

  const events = (await bodies()).flatMap(({ batch }) => batch);
  expect(events.map(({ type, userId, groupId, previousId }) => ({ type, userId, groupId, previousId }))).toEqual([
    { type: 'consent', userId: 'ben@example.com', groupId: undefined, previousId: undefined },
    { type: 'identify', userId: 'ana@example.com', groupId: undefined, previousId: undefined },
    { type: 'group', userId: 'ana@example.com', groupId: 'acme', previousId: undefined },
    { type: 'alias', userId: 'ben@example.com', groupId: undefined, previousId: 'crm-7' },
  ]);
  // Events held before the reset went under the visitor the choice found, those after under a new one.
  expect(events[2]!.anonymousId).not.toBe(events[3]!.anonymousId);
  expect(kith.user()).toEqual({ anonymousId: events[3]!.anonymousId, userId: 'ben@example.com' });
});
