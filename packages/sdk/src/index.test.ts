import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import pkg from '../package.json' with { type: 'json' };
import type { KithEvent } from './contract.ts';
import { createKith } from './index.ts';
import {
  categories,
  deviceStorage,
  gtagCommands,
  offline,
  recordRequests,
  resetPage,
  sendGlobalPrivacyControl,
  shownBanner,
  single,
  storeChoice,
  storedIds,
  teardown,
} from '../test/support.ts';

afterEach(resetPage);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;
const GRANTED = { policyVersion: '1', categories: categories(true, true) };
const DENIED = { policyVersion: '1', categories: categories(false, false) };
const CHOICE_COOKIE = /^kith_consent=v=1&a=(\d)&m=(\d)&t=\d+$/;

const hide = () => dispatchEvent(new PageTransitionEvent('pagehide'));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cookieNames = () =>
  document.cookie
    .split('; ')
    .filter(Boolean)
    .map((cookie) => cookie.split('=')[0])
    .sort();
const sha256 = async (text: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
const sent = async (bodies: () => Promise<{ batch: KithEvent[] }[]>) => (await bodies()).flatMap(({ batch }) => batch);

describe('before a choice', () => {
  it('writes nothing to the device and sends nothing', async () => {
    const before = await deviceStorage();
    const { requests } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 1, flushInterval: 10 });
    kith.identify('user-1', { plan: 'pro' });
    kith.track('Viewed Product', { sku: 'A1' });
    kith.page();
    await kith.flush();
    await wait(50);
    hide();

    expect((await shownBanner()).dialog).toBeTruthy();
    expect(requests).toEqual([]);
    expect(await deviceStorage()).toEqual(before);
    // Not even opened: opening creates the database.
    expect(await indexedDB.databases()).toEqual([]);
    expect(kith.consent.get()).toBeNull();
    expect(kith.user().anonymousId).toBeUndefined();
  });

  it('holds at most 100 events in memory and says how many it dropped', async () => {
    const { bodies } = recordRequests();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const kith = createKith({ writeKey: 'wk', flushAt: 200 });
    for (let i = 0; i < 130; i++) kith.track(`Event ${i}`);
    await userEvent.click((await shownBanner()).accept!);
    await kith.flush();

    const events = await sent(bodies);
    expect(events.map(({ event }) => event)).toEqual([
      undefined,
      ...Array.from({ length: 100 }, (_, i) => `Event ${i}`),
    ]);
    expect(warn.mock.calls).toEqual([
      [expect.stringMatching(/30 events dropped, over the 100 held before the consent choice/)],
    ]);
  });
});

describe('Accept all', () => {
  it('sends a consent event with the banner text as proof, then the held events, under the new cookie ID', async () => {
    const { requests, bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    kith.track('Viewed Product', { sku: 'A1' });
    kith.page('Home');
    await userEvent.click((await shownBanner()).accept!);
    await kith.flush();

    expect((await shownBanner()).root).toBeUndefined();
    const anonymousId = document.cookie.match(/kith_aid=([^;]+)/)?.[1];
    expect(anonymousId).toMatch(UUID);
    expect(document.cookie.split('; ').sort()).toEqual([
      `kith_aid=${anonymousId}`,
      expect.stringMatching(CHOICE_COOKIE),
    ]);
    expect(document.cookie).toMatch(/kith_consent=v=1&a=1&m=1&t=/);
    expect(kith.user()).toEqual({ anonymousId, userId: undefined });

    const { url, init, body } = single(requests);
    expect(url).toBe('/v1/batch');
    expect(init).toMatchObject({ method: 'POST', keepalive: true });
    // What the browser puts on the wire for this body: text/plain, so no CORS preflight.
    expect(
      new Request('https://collector.example/v1/batch', { method: 'POST', body }).headers.get('content-type'),
    ).toBe('text/plain;charset=UTF-8');

    const { batch, sentAt, writeKey } = single(await bodies());
    expect(writeKey).toBe('wk');
    expect(sentAt).toMatch(ISO);
    const context = {
      page: {
        url: location.href,
        path: location.pathname,
        referrer: document.referrer,
        title: document.title,
        search: location.search,
      },
      userAgent: navigator.userAgent,
      locale: navigator.language,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      screen: { width: screen.width, height: screen.height },
      library: { name: 'kith', version: pkg.version },
      consent: GRANTED,
    };
    const stamped = {
      anonymousId,
      context,
      messageId: expect.stringMatching(UUID),
      timestamp: expect.stringMatching(ISO),
    };
    expect(batch).toEqual([
      {
        ...stamped,
        type: 'consent',
        properties: {
          ...GRANTED,
          method: 'accept-all',
          locale: document.documentElement.lang || navigator.language,
          bannerText: expect.objectContaining({
            title: 'Privacy settings',
            acceptAll: 'Accept all',
            rejectAll: 'Reject all',
          }),
          bannerTextHash: expect.stringMatching(HEX64),
        },
      },
      { ...stamped, type: 'track', event: 'Viewed Product', properties: { sku: 'A1' } },
      { ...stamped, type: 'page', name: 'Home', properties: context.page },
    ]);
    const { bannerText, bannerTextHash } = batch[0]!.properties!;
    // The collector recomputes the hash over the text it received, so it must match that exactly.
    expect(bannerTextHash).toBe(await sha256(JSON.stringify(bannerText)));
    expect(new Set(batch.map((event) => event.messageId)).size).toBe(3);
    // Held events keep the time they happened, before the choice.
    expect(batch[1]!.timestamp! <= batch[0]!.timestamp!).toBe(true);
  });

  it('keeps the consent event first even for events tracked while its proof is hashed', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 2 });
    kith.track('Held');
    (await shownBanner()).accept!.click();
    kith.track('Right After');
    await kith.flush();

    expect((await sent(bodies)).map(({ type, event }) => event ?? type)).toEqual(['consent', 'Held', 'Right After']);
  });
});

describe('Reject all', () => {
  it('stores only the choice cookie and sends only the consent record, under a one-time ID kept nowhere', async () => {
    const before = await deviceStorage();
    const { requests, bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 1 });
    kith.identify('user-1');
    kith.track('Viewed Product');
    await userEvent.click((await shownBanner()).reject!);
    kith.track('Added to Cart');
    kith.page();
    await kith.flush();
    hide();

    expect((await shownBanner()).root).toBeUndefined();
    const record = single(await sent(bodies));
    expect(single(requests).via).toBe('fetch');
    expect(record).toMatchObject({
      type: 'consent',
      anonymousId: expect.stringMatching(UUID),
      properties: { ...DENIED, method: 'reject-all', bannerTextHash: expect.stringMatching(HEX64) },
      context: { consent: DENIED },
    });
    expect(record).not.toHaveProperty('userId');
    expect(document.cookie).not.toContain(record.anonymousId);
    expect(await deviceStorage()).toEqual({ ...before, cookie: expect.stringMatching(CHOICE_COOKIE) });
    expect(document.cookie).toMatch(/^kith_consent=v=1&a=0&m=0&t=/);
    expect(kith.consent.get()).toEqual(DENIED);
    expect(kith.user().anonymousId).toBeUndefined();
  });

  it('takes IDs left from an earlier consent off the device', async () => {
    document.cookie = 'kith_aid=old-id;path=/';
    document.cookie = 'kith_uid=old-user;path=/';
    recordRequests();
    createKith({ writeKey: 'wk' });
    await userEvent.click((await shownBanner()).reject!);

    expect(cookieNames()).toEqual(['kith_consent']);
  });
});

describe('a stored choice', () => {
  it('for the same policy version suppresses the banner on the next page and is used at once', async () => {
    const { bodies } = recordRequests();
    const first = createKith({ writeKey: 'wk' });
    await userEvent.click((await shownBanner()).accept!);
    await first.flush();

    const next = createKith({ writeKey: 'wk', flushAt: 1 });
    next.track('Returned');
    await next.flush();

    expect((await shownBanner()).root).toBeUndefined();
    expect(next.consent.get()).toEqual(GRANTED);
    expect(next.user().anonymousId).toBe(first.user().anonymousId);
    const { batch } = (await bodies())[1]!;
    expect(batch).toMatchObject([{ type: 'track', event: 'Returned', anonymousId: first.user().anonymousId }]);
  });

  it.each([
    ['another policy version', { consent: { policyVersion: '2' } }],
    ['the old top-level policy version option', { policyVersion: '2' }],
    ['a choice older than its lifetime', { consent: { lifetimeDays: 30 } }],
  ])('is asked again for %s, holding events meanwhile', async (_, options) => {
    document.cookie = `kith_consent=v=1&a=1&m=1&t=${Math.floor(Date.now() / 1000) - 31 * 86400};path=/`;
    const { requests } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 1, ...options });
    kith.track('Viewed Product');
    await kith.flush();

    expect((await shownBanner()).dialog).toBeTruthy();
    expect(kith.consent.get()).toBeNull();
    expect(requests).toEqual([]);
  });
});

describe('consent.open', () => {
  it('shows the current choice; turning analytics off stops sending at once and takes the IDs off the device', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushInterval: 60000 });
    await userEvent.click((await shownBanner()).accept!);
    kith.identify('user-1');
    await kith.flush();
    const before = (await sent(bodies)).length;
    const grantedId = kith.user().anonymousId;
    kith.track('Queued, never sent');

    kith.consent.open();
    const { switches, save } = await shownBanner();
    expect([switches.analytics?.checked, switches.marketing?.checked]).toEqual([true, true]);
    await userEvent.click(switches.analytics!);
    await userEvent.click(save!);
    kith.track('After Withdrawal');
    await kith.flush();
    hide();

    const withdrawal = single((await sent(bodies)).slice(before));
    expect(withdrawal).toMatchObject({
      type: 'consent',
      properties: { categories: categories(false, true), method: 'withdraw' },
      context: { consent: { categories: categories(false, true) } },
    });
    expect(withdrawal.anonymousId).not.toBe(grantedId);
    expect(withdrawal).not.toHaveProperty('userId');
    expect(cookieNames()).toEqual(['kith_consent']);
    expect(kith.user().anonymousId).toBeUndefined();
  });

  it('records "Reject all" after a grant as a withdrawal, and a wider grant as a plain choice', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    await userEvent.click((await shownBanner()).reject!);
    kith.consent.open();
    await userEvent.click((await shownBanner()).accept!);
    kith.consent.open();
    await userEvent.click((await shownBanner()).reject!);
    await kith.flush();

    expect((await sent(bodies)).map(({ properties }) => properties?.method)).toEqual([
      'reject-all',
      'accept-all',
      'withdraw',
    ]);
  });

  it('closes on Escape when a choice exists, changing nothing, and gives focus back', async () => {
    storeChoice('v=1&a=1&m=0');
    const { requests } = recordRequests();
    const footerLink = document.body.appendChild(document.createElement('button'));
    footerLink.focus();
    const kith = createKith({ writeKey: 'wk' });
    kith.consent.open();
    kith.consent.open();
    expect((await shownBanner()).dialog).toBeTruthy();
    expect(document.querySelectorAll('kith-consent')).toHaveLength(1);
    await userEvent.keyboard('{Escape}{Escape}');
    await kith.flush();

    expect((await shownBanner()).root).toBeUndefined();
    expect(document.activeElement).toBe(footerLink);
    expect(requests).toEqual([]);
    footerLink.remove();
  });
});

describe('Global Privacy Control', () => {
  it('makes "Accept all" grant everything but marketing, recorded as gpc, and says so in the banner', async () => {
    sendGlobalPrivacyControl();
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    expect((await shownBanner()).dialog?.textContent).toContain('Global Privacy Control');
    await userEvent.click((await shownBanner()).accept!);
    await kith.flush();

    expect(document.cookie).toMatch(/kith_consent=v=1&a=1&m=0&t=/);
    const [record] = await sent(bodies);
    expect(record?.properties).toMatchObject({ categories: categories(true, false), method: 'gpc' });
    expect(record?.properties?.bannerText).toHaveProperty('gpc');
  });

  it('yields to marketing switched on explicitly in the settings, recorded as custom', async () => {
    sendGlobalPrivacyControl();
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    const { settings, switches, save } = await shownBanner();
    await userEvent.click(settings!);
    expect(switches.marketing?.checked).toBe(false);
    await userEvent.click(switches.marketing!);
    await userEvent.click(save!);
    await kith.flush();

    expect(single(await sent(bodies)).properties).toMatchObject({
      categories: categories(false, true),
      method: 'custom',
    });
  });
});

describe('Google Consent Mode', () => {
  const update = (analytics: string, ads: string) => [
    'consent',
    'update',
    { analytics_storage: analytics, ad_storage: ads, ad_user_data: ads, ad_personalization: ads },
  ];

  it('sets the denied default first, then updates on every choice', async () => {
    recordRequests();
    const kith = createKith({ writeKey: 'wk', consent: { googleConsentMode: true } });
    expect(gtagCommands()).toEqual([
      ['consent', 'default', expect.objectContaining({ ad_storage: 'denied', wait_for_update: 500 })],
    ]);
    await userEvent.click((await shownBanner()).accept!);
    kith.consent.choose({ analytics: true });

    expect(gtagCommands().slice(1)).toEqual([update('granted', 'granted'), update('granted', 'denied')]);
  });

  it('updates from a stored choice once it is read', async () => {
    storeChoice('v=1&a=0&m=1');
    const kith = createKith({ writeKey: 'wk', consent: { googleConsentMode: true } });
    expect(gtagCommands()).toEqual([['consent', 'default', expect.any(Object)]]);
    await kith.ready();

    expect(gtagCommands()).toEqual([['consent', 'default', expect.any(Object)], update('denied', 'granted')]);
  });

  it('leaves dataLayer alone unless asked', async () => {
    recordRequests();
    createKith({ writeKey: 'wk' });
    await userEvent.click((await shownBanner()).accept!);

    expect('dataLayer' in window).toBe(false);
  });
});

describe('site categories, texts and links', () => {
  it('shows the site categories with their descriptions, stores and sends them', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({
      writeKey: 'wk',
      consent: {
        categories: { video: { label: 'Videos', description: 'Embedded videos from YouTube.' } },
        texts: { title: 'Your data, your choice' },
        privacyUrl: '/privacy',
        imprintUrl: '/imprint',
      },
    });
    const { root, settings, switches, save } = await shownBanner();
    expect(root?.querySelector('h2')?.textContent).toBe('Your data, your choice');
    expect([...root!.querySelectorAll('a')].map((link) => link.getAttribute('href'))).toEqual(['/privacy', '/imprint']);
    await userEvent.click(settings!);
    expect(switches.video?.labels?.[0]?.textContent).toBe('Videos');
    await userEvent.click(switches.video!);
    await userEvent.click(save!);
    await kith.flush();

    expect(document.cookie).toMatch(/kith_consent=v=1&a=0&m=0&c.video=1&t=/);
    expect(kith.consent.get()?.categories).toEqual(categories(false, false, { video: true }));
    const { properties } = single(await sent(bodies));
    expect(properties).toMatchObject({ categories: categories(false, false, { video: true }), method: 'custom' });
    expect(properties?.bannerText).toMatchObject({
      title: 'Your data, your choice',
      videoLabel: 'Videos',
      videoDescription: 'Embedded videos from YouTube.',
      privacy: 'Privacy policy',
    });
  });
});

describe('consent.choose', () => {
  it('records a choice made through the API, granting only what it names, without banner text', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', host: 'https://collector.example/' });
    kith.consent.choose({ analytics: true });
    await kith.flush();

    expect((await shownBanner()).root).toBeUndefined();
    expect(document.cookie).toMatch(/kith_consent=v=1&a=1&m=0&t=/);
    const { batch } = single(await bodies());
    expect(batch).toMatchObject([
      { type: 'consent', properties: { policyVersion: '1', categories: categories(true, false), method: 'api' } },
    ]);
    expect(batch[0]!.properties).not.toHaveProperty('bannerText');
  });
});

describe('consent.onChange', () => {
  it('tells a listener of every choice until it stops listening', async () => {
    recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    const listener = vi.fn();
    const stop = kith.consent.onChange(listener);
    await userEvent.click((await shownBanner()).reject!);
    kith.consent.choose({ analytics: true });
    stop();
    kith.consent.choose({});

    expect(listener.mock.calls).toEqual([[DENIED], [{ policyVersion: '1', categories: categories(true, false) }]]);
  });
});

describe('identify', () => {
  it('sets userId on later events and keeps it in kith_uid', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    kith.track('Before Login');
    kith.identify('user 1', { plan: 'pro' });
    expect(document.cookie).not.toContain('kith_uid');
    kith.track('After Login');
    kith.consent.choose({ analytics: true });
    await kith.flush();

    expect(document.cookie).toContain('kith_uid=user%201');
    expect(kith.user().userId).toBe('user 1');
    const { batch } = single(await bodies());
    expect(batch.map(({ type, event, userId }) => [type, event, userId])).toEqual([
      ['consent', undefined, 'user 1'],
      ['track', 'Before Login', undefined],
      ['identify', undefined, 'user 1'],
      ['track', 'After Login', 'user 1'],
    ]);
    expect(batch[2]!.traits).toEqual({ plan: 'pro' });
  });
});

describe('options', () => {
  it('sends to the collector at host', async () => {
    storeChoice('v=1&a=1&m=0');
    const { requests } = recordRequests();
    const kith = createKith({ writeKey: 'wk', host: 'https://collector.example/' });
    kith.track('Viewed Product');
    await kith.flush();

    expect(requests.map(({ url }) => url)).toEqual(['https://collector.example/v1/batch']);
  });

  it('refuses to start without a write key', () => {
    expect(() => createKith({ writeKey: '' })).toThrow('writeKey');
  });
});

describe('delivery', () => {
  it('keeps what could not be sent for the next page, which sends it once', async () => {
    storeChoice('v=1&a=1&m=0');
    recordRequests();
    const online = offline();
    const first = createKith({ writeKey: 'wk' });
    first.track('Offline 1');
    first.track('Offline 2');
    await first.flush();
    await expect.poll(async () => (await storedIds()).length).toBe(2);
    teardown();
    online();

    const { bodies } = recordRequests();
    const next = createKith({ writeKey: 'wk' });
    await next.flush();
    await next.flush();

    expect((await sent(bodies)).map(({ event }) => event)).toEqual(['Offline 1', 'Offline 2']);
    expect(await storedIds()).toEqual([]);
  });

  it('deletes the stored queue on withdrawal', async () => {
    recordRequests();
    offline();
    const kith = createKith({ writeKey: 'wk' });
    await userEvent.click((await shownBanner()).accept!);
    kith.track('Stored');
    await expect.poll(async () => (await storedIds()).length).toBe(2);
    kith.consent.open();
    await userEvent.click((await shownBanner()).reject!);

    await expect.poll(async () => await indexedDB.databases()).toEqual([]);
  });
});

describe('context', () => {
  it('carries the landing page campaign under Segment names on every event', async () => {
    const testerUrl = location.href;
    history.replaceState(
      null,
      '',
      '?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=top&x=1',
    );
    try {
      storeChoice('v=1&a=1&m=0');
      const { bodies } = recordRequests();
      const kith = createKith({ writeKey: 'wk' });
      history.replaceState(null, '', testerUrl);
      kith.track('Viewed Product');
      await kith.flush();

      expect(single(await sent(bodies)).context?.campaign).toEqual({
        source: 'news',
        medium: 'email',
        name: 'spring',
        term: 'shoes',
        content: 'top',
      });
    } finally {
      history.replaceState(null, '', testerUrl);
    }
  });
});

describe('trackPages: spa', () => {
  it('records a page view after each client-side navigation to another path', async () => {
    const testerUrl = location.href;
    storeChoice('v=1&a=1&m=0');
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', trackPages: 'spa' });
    try {
      const settle = () => wait(10);
      history.pushState(null, '', '/shop/shoes');
      await settle();
      history.replaceState(null, '', '/shop/shoes?sort=price');
      await settle();
      history.replaceState(null, '', '/shop/bags');
      await settle();
      location.hash = '#reviews';
      await settle();
      history.back();
      await wait(100);
      await kith.flush();

      expect(
        (await sent(bodies)).map(({ type, properties }) => [
          type,
          `${properties?.path}${new URL(`${properties?.url}`).hash}`,
        ]),
      ).toEqual([
        ['page', '/shop/shoes'],
        ['page', '/shop/bags'],
        ['page', '/shop/bags#reviews'],
        ['page', '/shop/bags'],
      ]);
    } finally {
      // Its wrapper gone first, so this is no navigation.
      teardown();
      history.replaceState(null, '', testerUrl);
    }
  });

  it('is off unless asked for', async () => {
    const testerUrl = location.href;
    storeChoice('v=1&a=1&m=0');
    const { requests } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    history.pushState(null, '', '/elsewhere');
    history.replaceState(null, '', testerUrl);
    await wait(10);
    await kith.flush();

    expect(requests).toEqual([]);
  });
});

describe('alias, group and reset', () => {
  const answered = (body: object) => new Response(JSON.stringify({ ok: true, accepted: 1, rejected: [], ...body }));

  it('sends alias with the new ID as userId and the previous one, then uses the new ID', async () => {
    storeChoice('v=1&a=1&m=0');
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 100 });
    await kith.ready();
    const { anonymousId } = kith.user();
    kith.alias('first@example.com');
    kith.alias('second@example.com');
    kith.alias('third@example.com', 'crm-42');
    kith.track('After');
    await kith.flush();

    expect(
      (await sent(bodies)).map(({ type, userId, previousId, event }) => ({ type, userId, previousId, event })),
    ).toEqual([
      { type: 'alias', userId: 'first@example.com', previousId: anonymousId, event: undefined },
      { type: 'alias', userId: 'second@example.com', previousId: 'first@example.com', event: undefined },
      { type: 'alias', userId: 'third@example.com', previousId: 'crm-42', event: undefined },
      { type: 'track', userId: 'third@example.com', previousId: undefined, event: 'After' },
    ]);
    expect(document.cookie).toContain('kith_uid=third%40example.com');
  });

  it('fills in an alias held before the choice with the anonymous ID the choice brings', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    kith.alias('user-1');
    kith.consent.choose({ analytics: true });
    await kith.flush();

    const [, alias] = await sent(bodies);
    expect(alias).toMatchObject({
      type: 'alias',
      userId: 'user-1',
      previousId: kith.user().anonymousId,
      anonymousId: kith.user().anonymousId,
    });
  });

  it('sends group with groupId and traits', async () => {
    storeChoice('v=1&a=1&m=0');
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    kith.identify('user-1');
    kith.group('acme', { plan: 'enterprise' });
    await kith.flush();

    expect((await sent(bodies))[1]).toMatchObject({
      type: 'group',
      groupId: 'acme',
      traits: { plan: 'enterprise' },
      userId: 'user-1',
    });
  });

  it('on reset forgets the user and starts a new anonymous ID; events recorded before keep theirs', async () => {
    storeChoice('v=1&a=1&m=0');
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 100 });
    await kith.ready();
    kith.identify('ana@example.com');
    const before = kith.user();
    kith.track('Before Logout');
    kith.reset();
    kith.track('After Logout');
    await kith.flush();

    const after = kith.user();
    expect(after.userId).toBeUndefined();
    expect(after.anonymousId).toMatch(UUID);
    expect(after.anonymousId).not.toBe(before.anonymousId);
    expect(cookieNames()).toEqual(['kith_aid', 'kith_consent']);
    expect(document.cookie).toContain(`kith_aid=${after.anonymousId}`);
    expect((await sent(bodies)).map(({ event, anonymousId, userId }) => [event, anonymousId, userId])).toEqual([
      [undefined, before.anonymousId, 'ana@example.com'],
      ['Before Logout', before.anonymousId, 'ana@example.com'],
      ['After Logout', after.anonymousId, undefined],
    ]);
  });

  it('on a reset before the choice, keeps the held events before it with the stored visitor and starts a new one after', async () => {
    document.cookie = 'kith_aid=stored-id;path=/';
    document.cookie = 'kith_uid=stored-user;path=/';
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    kith.track('Before Logout');
    kith.reset();
    kith.track('After Logout');
    expect(document.cookie).toContain('kith_uid=stored-user');
    kith.consent.choose({ analytics: true });
    await kith.flush();

    const { anonymousId } = kith.user();
    expect(anonymousId).not.toBe('stored-id');
    expect(kith.user().userId).toBeUndefined();
    expect(cookieNames()).toEqual(['kith_aid', 'kith_consent']);
    expect((await sent(bodies)).map(({ type, event, anonymousId }) => [event ?? type, anonymousId])).toEqual([
      ['consent', 'stored-id'],
      ['Before Logout', 'stored-id'],
      ['After Logout', anonymousId],
    ]);
  });

  it('before a choice writes nothing and sends nothing', async () => {
    const before = await deviceStorage();
    const { requests } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 1 });
    kith.alias('user-1');
    kith.group('acme');
    kith.reset();
    await kith.flush();
    hide();

    expect(requests).toEqual([]);
    expect(await deviceStorage()).toEqual(before);
    expect(kith.user()).toEqual({ anonymousId: undefined, userId: undefined });
  });

  describe('restore', () => {
    it('sends the ID made for want of a cookie as restore, until a batch with it is answered, then adopts the ID answered', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0);
      const { requests, bodies } = recordRequests(503, answered({ anonymousId: 'surviving-id' }));
      const kith = createKith({ writeKey: 'wk' });
      kith.track('Landed');
      await userEvent.click((await shownBanner()).accept!);
      await kith.flush();
      const made = (await bodies())[0]!.batch[0]!.anonymousId;
      kith.track('Later');
      await kith.flush();

      expect(requests.every(({ via }) => via == 'fetch')).toBe(true);
      expect(
        (await bodies()).map(({ restore, batch }) => [
          restore,
          batch.map(({ event, type, anonymousId }) => [event ?? type, anonymousId]),
        ]),
      ).toEqual([
        [
          made,
          [
            ['consent', made],
            ['Landed', made],
          ],
        ],
        [
          made,
          [
            ['consent', made],
            ['Landed', made],
          ],
        ],
        [undefined, [['Later', 'surviving-id']]],
      ]);
      expect(kith.user().anonymousId).toBe('surviving-id');
      expect(document.cookie).toContain('kith_aid=surviving-id');
    });

    it('is not sent for an ID found in the cookie', async () => {
      storeChoice('v=1&a=1&m=0');
      document.cookie = 'kith_aid=kept-id;path=/';
      const { bodies } = recordRequests();
      const kith = createKith({ writeKey: 'wk' });
      kith.track('Returned');
      await kith.flush();

      expect(single(await bodies())).not.toHaveProperty('restore');
    });

    it('is not sent for the one-time ID of a refusal', async () => {
      const { bodies } = recordRequests();
      const kith = createKith({ writeKey: 'wk' });
      await userEvent.click((await shownBanner()).reject!);
      await kith.flush();

      expect(single(await bodies())).not.toHaveProperty('restore');
    });

    it('is not sent after reset, nor is an answer for the ID before it adopted', async () => {
      const { bodies } = recordRequests(answered({ anonymousId: 'previous-person' }));
      const kith = createKith({ writeKey: 'wk' });
      await userEvent.click((await shownBanner()).accept!);
      kith.reset();
      kith.track('After Reset');
      await kith.flush();
      kith.track('Later');
      await kith.flush();

      // A batch that left before the reset may have offered the ID before it; none offers the new one.
      const { anonymousId } = kith.user();
      expect((await bodies()).filter(({ restore }) => restore == anonymousId)).toEqual([]);
      expect(anonymousId).not.toBe('previous-person');
      expect((await sent(bodies)).at(-1)?.anonymousId).toBe(anonymousId);
    });
  });
});
