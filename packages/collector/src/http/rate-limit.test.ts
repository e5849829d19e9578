import { describe, expect, it } from 'vitest';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

describe('rate limits', () => {
  it('answers 429 with Retry-After once an address spends its burst, and admits it again later', async () => {
    let time = Date.parse('2026-06-01T12:00:00.000Z');
    const { post, basic } = await testApp({ clock: () => new Date(time), rateLimit: { perAddress: 2, perSite: 0 }, addresses: true });
    const from = (address: string, i: number) => post('/v1/batch', { batch: [trackEvent(`m-${address}-${i}`)] }, { ...basic(SHOP_KEY), 'X-Test-Address': address });

    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await from('198.51.100.7', i)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const limited = await from('198.51.100.7', 9);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ ok: false, error: 'rate_limited' });

    expect((await from('203.0.113.9', 0)).status).toBe(200);
    time += 1000;
    expect((await from('198.51.100.7', 10)).status).toBe(200);
  });

  it('limits a site across all its addresses', async () => {
    const { post, basic } = await testApp({ rateLimit: { perAddress: 0, perSite: 1 }, addresses: true });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await post('/v1/batch', { batch: [trackEvent(`m${i}`)] }, { ...basic(SHOP_KEY), 'X-Test-Address': `192.0.2.${i}` })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('stores nothing from a limited request', async () => {
    const { post, basic, storage } = await testApp({ rateLimit: { perAddress: 0, perSite: 0.5 } });
    await post('/v1/batch', { batch: [trackEvent('first')] }, basic(SHOP_KEY));
    const limited = await post('/v1/batch', { batch: [trackEvent('second')] }, basic(SHOP_KEY));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events.map((e) => e.messageId)).toEqual(['first']);
  });
});
