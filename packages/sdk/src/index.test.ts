import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import pkg from '../package.json' with { type: 'json' };
import { createKith } from './index.ts';
import { deviceStorage, prompt, recordRequests, resetPage, single } from './testing.ts';

afterEach(resetPage);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const GRANTED = { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: true } };

const hide = () => dispatchEvent(new PageTransitionEvent('pagehide'));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

    expect(prompt().dialog).toBeTruthy();
    expect(requests).toEqual([]);
    expect(await deviceStorage()).toEqual(before);
    expect(kith.consent.get()).toBeNull();
    expect(kith.user().anonymousId).toBeUndefined();
  });
});

describe('Accept all', () => {
  it('sends the held events and a consent event, under the new cookie ID', async () => {
    const { requests, bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk' });
    kith.track('Viewed Product', { sku: 'A1' });
    kith.page('Home');
    await userEvent.click(prompt().accept!);
    await kith.flush();

    expect(prompt().root).toBeUndefined();
    const anonymousId = document.cookie.match(/kith_aid=([^;]+)/)?.[1];
    expect(anonymousId).toMatch(UUID);
    expect(document.cookie.split('; ').sort()).toEqual([`kith_aid=${anonymousId}`, 'kith_consent=v=1&a=1&m=1']);
    expect(kith.user()).toEqual({ anonymousId, userId: undefined });

    const { url, init, body } = single(requests);
    expect(url).toBe('/v1/batch');
    expect(init).toMatchObject({ method: 'POST', keepalive: true });
    expect(body.type).toBe('text/plain');

    const { batch, sentAt, writeKey } = single(await bodies());
    expect(writeKey).toBe('wk');
    expect(sentAt).toMatch(ISO);
    const context = {
      page: { url: location.href, path: location.pathname, referrer: document.referrer, title: document.title, search: location.search },
      userAgent: navigator.userAgent,
      locale: navigator.language,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      screen: { width: screen.width, height: screen.height },
      library: { name: 'kith', version: pkg.version },
      consent: GRANTED,
    };
    const stamped = { anonymousId, context, messageId: expect.stringMatching(UUID), timestamp: expect.stringMatching(ISO) };
    expect(batch).toEqual([
      {
        ...stamped,
        type: 'consent',
        properties: { ...GRANTED, method: 'accept-all', locale: document.documentElement.lang || navigator.language },
      },
      { ...stamped, type: 'track', event: 'Viewed Product', properties: { sku: 'A1' } },
      { ...stamped, type: 'page', name: 'Home', properties: context.page },
    ]);
    expect(new Set(batch.map((event) => event.messageId)).size).toBe(3);
    // Held events keep the time they happened, before the choice.
    expect(batch[1]!.timestamp! <= batch[0]!.timestamp!).toBe(true);
  });
});

describe('Reject all', () => {
  it('writes only the choice cookie and sends nothing, then or later', async () => {
    const before = await deviceStorage();
    const { requests } = recordRequests();
    const kith = createKith({ writeKey: 'wk', flushAt: 1 });
    kith.track('Viewed Product');
    await userEvent.click(prompt().reject!);
    kith.track('Added to Cart');
    kith.identify('user-1');
    await kith.flush();
    hide();

    expect(prompt().root).toBeUndefined();
    expect(requests).toEqual([]);
    expect(await deviceStorage()).toEqual({ ...before, cookie: 'kith_consent=v=1&a=0&m=0' });
    expect(kith.consent.get()).toEqual({ policyVersion: '1', categories: { necessary: true, analytics: false, marketing: false } });
  });

  it('takes IDs left from an earlier consent off the device', async () => {
    document.cookie = 'kith_aid=old-id;path=/';
    document.cookie = 'kith_uid=old-user;path=/';
    recordRequests();
    createKith({ writeKey: 'wk' });
    await userEvent.click(prompt().reject!);

    expect(document.cookie).toBe('kith_consent=v=1&a=0&m=0');
  });
});

describe('a stored choice', () => {
  it('for the same policy version suppresses the prompt on the next page and is used at once', async () => {
    const { bodies } = recordRequests();
    const first = createKith({ writeKey: 'wk' });
    await userEvent.click(prompt().accept!);
    await first.flush();

    const next = createKith({ writeKey: 'wk', flushAt: 1 });
    next.track('Returned');
    await next.flush();

    expect(prompt().root).toBeUndefined();
    expect(next.consent.get()).toEqual(GRANTED);
    expect(next.user().anonymousId).toBe(first.user().anonymousId);
    const { batch } = (await bodies())[1]!;
    expect(batch).toMatchObject([{ type: 'track', event: 'Returned', anonymousId: first.user().anonymousId }]);
  });

  it('for another policy version asks again and holds events', async () => {
    document.cookie = 'kith_consent=v=1&a=1&m=1;path=/';
    const { requests } = recordRequests();
    const kith = createKith({ writeKey: 'wk', policyVersion: '2', flushAt: 1 });
    kith.track('Viewed Product');
    await kith.flush();

    expect(prompt().dialog).toBeTruthy();
    expect(kith.consent.get()).toBeNull();
    expect(requests).toEqual([]);
  });
});

describe('consent.choose', () => {
  it('records a choice made through the API, granting only what it names', async () => {
    const { bodies } = recordRequests();
    const kith = createKith({ writeKey: 'wk', host: 'https://collector.example/' });
    kith.consent.choose({ analytics: true });
    await kith.flush();

    expect(prompt().root).toBeUndefined();
    expect(document.cookie).toContain('kith_consent=v=1&a=1&m=0');
    const categories = { necessary: true, analytics: true, marketing: false };
    const { batch } = single(await bodies());
    expect(batch).toMatchObject([{ type: 'consent', properties: { policyVersion: '1', categories, method: 'api' } }]);
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
    document.cookie = 'kith_consent=v=1&a=1&m=0;path=/';
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
