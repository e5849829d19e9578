import { describe, expect, it } from 'vitest';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

const GRANTED = { policyVersion: '1', categories: { necessary: true, analytics: true } };
// What Chromium sends with a page's fetch to its own collector.
const BROWSER = {
  Origin: 'https://shop.example',
  'Sec-Fetch-Site': 'same-origin',
  'Sec-Fetch-Mode': 'cors',
  'Sec-Fetch-Dest': 'empty',
};
const identify = (messageId: string, context?: unknown) => ({
  type: 'identify',
  messageId,
  anonymousId: `anon-${messageId}`,
  userId: `user-${messageId}`,
  traits: { email: `${messageId}@example.com` },
  ...(context === undefined ? {} : { context }),
});

/** Nothing of a refused event is held: no event under its IDs, no quarantined payload with its data. */
async function nothingKeptOf(storage: Awaited<ReturnType<typeof testApp>>['storage'], messageId: string) {
  const { events } = await storage.events({ ...idsOf('shop', { kind: 'user', id: `user-${messageId}` }), limit: 10 });
  const quarantined = (await storage.rejected('shop', 100)).map((r) => r.payload).join('\n');
  return (
    events.length === 0 &&
    !quarantined.includes(`${messageId}@example.com`) &&
    !quarantined.includes(`anon-${messageId}`)
  );
}

describe('the consent rule for browser and server requests', () => {
  it.each([
    ['an Origin', { Origin: 'https://shop.example' }],
    ['Sec-Fetch-Site', { 'Sec-Fetch-Site': 'same-origin' }],
    ['Sec-Fetch-Dest', { 'Sec-Fetch-Dest': 'empty' }],
    ['all of a fetch from the page', BROWSER],
  ])('refuses a browser request (%s) without any consent as no_consent, keeping nothing', async (_, headers) => {
    const { post, basic, storage } = await testApp();
    const res = await post('/v1/batch', { batch: [identify('b1')] }, { ...basic(SHOP_KEY), ...headers });
    expect(await res.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0, reason: 'no_consent' }] });
    expect(await nothingKeptOf(storage, 'b1')).toBe(true);
  });

  it('refuses a browser beacon (text/plain, write key in the body) without consent', async () => {
    const { post, storage } = await testApp();
    const res = await post('/v1/batch', JSON.stringify({ writeKey: SHOP_KEY, batch: [identify('b2')] }), {
      'Content-Type': 'text/plain;charset=UTF-8',
      Origin: 'https://shop.example',
    });
    expect(await res.json()).toMatchObject({ accepted: 0, rejected: [{ reason: 'no_consent' }] });
    expect(await nothingKeptOf(storage, 'b2')).toBe(true);
  });

  it('answers a single browser call without consent with 400 no_consent', async () => {
    const { post, basic, storage } = await testApp();
    const { type: _, ...event } = identify('b3');
    const res = await post('/v1/identify', event, { ...basic(SHOP_KEY), ...BROWSER });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'no_consent' });
    expect(await nothingKeptOf(storage, 'b3')).toBe(true);
  });

  it('stores a browser request whose consent grants analytics', async () => {
    const { post, basic, storage } = await testApp();
    const res = await post(
      '/v1/batch',
      { batch: [identify('b4', { consent: GRANTED })] },
      { ...basic(SHOP_KEY), ...BROWSER },
    );
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'user', id: 'user-b4' }), limit: 10 })).events,
    ).toHaveLength(1);
  });

  it('stores a server request (write key, no browser signals) without consent, as before; Node fetch’s Sec-Fetch-Mode does not make it a browser', async () => {
    const { post, basic, storage } = await testApp();
    const res = await post(
      '/v1/batch',
      { batch: [identify('s1'), trackEvent('s2', { userId: 'user-s1' })] },
      { ...basic(SHOP_KEY), 'Sec-Fetch-Mode': 'cors', 'User-Agent': 'node' },
    );
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: [] });
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'user', id: 'user-s1' }), limit: 10 })).events,
    ).toHaveLength(2);
  });

  it('keeps a browser’s consent event, a refusal included: it is the record of the choice', async () => {
    const { post, basic } = await testApp();
    const refusal = {
      type: 'consent',
      messageId: 'c1',
      anonymousId: 'one-time',
      properties: { policyVersion: '1', categories: { necessary: true, analytics: false }, method: 'reject-all' },
    };
    const res = await post('/v1/batch', { batch: [refusal] }, { ...basic(SHOP_KEY), ...BROWSER });
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [] });
  });

  // A consent that is there but says nothing grants nothing, from a browser or a server.
  it.each([
    ['{}', {}],
    ['null', null],
    ['{categories:{}}', { categories: {} }],
    ['without analytics', { policyVersion: '1', categories: { necessary: true, marketing: true } }],
    ['analytics: "true" (a string)', { policyVersion: '1', categories: { analytics: 'true' } }],
    ['analytics: false', { policyVersion: '1', categories: { analytics: false } }],
  ])('refuses context.consent %s as no_consent and keeps nothing', async (_, consent) => {
    const { post, basic, storage } = await testApp();
    for (const [i, headers] of [basic(SHOP_KEY), { ...basic(SHOP_KEY), ...BROWSER }].entries()) {
      const id = `m${i}`;
      const res = await post('/v1/batch', { batch: [identify(id, { consent })] }, headers);
      expect(await res.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0, reason: 'no_consent' }] });
      expect(await nothingKeptOf(storage, id)).toBe(true);
    }
  });
});
