import { describe, expect, it } from 'vitest';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

describe('rate limits', () => {
  it('answers 429 with Retry-After once an address spends its burst, and admits it again later', async () => {
    let time = Date.parse('2026-06-01T12:00:00.000Z');
    const { post, basic } = await testApp({
      clock: () => new Date(time),
      rateLimit: { perAddress: 2, perSite: 0 },
      addresses: true,
    });
    const from = (address: string, i: number) =>
      post(
        '/v1/batch',
        { batch: [trackEvent(`m-${address}-${i}`)] },
        { ...basic(SHOP_KEY), 'X-Test-Address': address },
      );

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
      statuses.push(
        (
          await post(
            '/v1/batch',
            { batch: [trackEvent(`m${i}`)] },
            { ...basic(SHOP_KEY), 'X-Test-Address': `192.0.2.${i}` },
          )
        ).status,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('stores nothing from a limited request', async () => {
    const { post, basic, storage } = await testApp({ rateLimit: { perAddress: 0, perSite: 0.5 } });
    await post('/v1/batch', { batch: [trackEvent('first')] }, basic(SHOP_KEY));
    const limited = await post('/v1/batch', { batch: [trackEvent('second')] }, basic(SHOP_KEY));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events.map(
        (e) => e.messageId,
      ),
    ).toEqual(['first']);
  });

  it('limits IPv6 clients by their /64: rotating addresses inside it does not reset the budget', async () => {
    const { post, basic } = await testApp({ rateLimit: { perAddress: 5, perSite: 0 }, addresses: true });
    const statuses = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const address = `2001:db8:aa:bb:${((i * 7919) % 65536).toString(16)}:${i.toString(16)}:1:${(i + 1).toString(16)}`;
      const status = (
        await post('/v1/batch', { batch: [trackEvent(`v6-${i}`)] }, { ...basic(SHOP_KEY), 'X-Test-Address': address })
      ).status;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(statuses.get(200)).toBe(10);
    expect(statuses.get(429)).toBe(50);
    // Another /64 has its own budget.
    expect(
      (
        await post(
          '/v1/batch',
          { batch: [trackEvent('other-64')] },
          { ...basic(SHOP_KEY), 'X-Test-Address': '2001:db8:aa:bc::1' },
        )
      ).status,
    ).toBe(200);
  });

  it('limits the linker routes, which write to the identity graph, like ingestion', async () => {
    const { post } = await testApp({ rateLimit: { perAddress: 2, perSite: 0 }, addresses: true });
    const headers = { Origin: 'https://shop.example', 'X-Test-Address': '198.51.100.7' };
    const issued = [];
    for (let i = 0; i < 6; i++)
      issued.push(
        (await post('/v1/linker', { writeKey: SHOP_KEY, anonymousId: `a${i}`, target: 'shop-b.example' }, headers))
          .status,
      );
    expect(issued).toEqual([200, 200, 200, 200, 429, 429]);
    const redeemed = await post(
      '/v1/linker/redeem',
      { writeKey: SHOP_KEY, anonymousId: 'b', token: 'x' },
      { ...headers, Origin: 'https://shop-b.example' },
    );
    expect(redeemed.status).toBe(429);
    expect(redeemed.headers.get('retry-after')).toBe('1');
  });

  it('limits the linker routes per site too', async () => {
    const { post } = await testApp({ rateLimit: { perAddress: 0, perSite: 1 }, addresses: true });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (
          await post(
            '/v1/linker/redeem',
            { writeKey: SHOP_KEY, anonymousId: 'b', token: 'x' },
            { Origin: 'https://shop-b.example', 'X-Test-Address': `192.0.2.${i}` },
          )
        ).status,
      );
    }
    expect(statuses).toEqual([400, 400, 429, 429]);
  });
});
