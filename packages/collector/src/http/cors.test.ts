import { describe, expect, it } from 'vitest';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

const ORIGIN = 'https://www.shop.example';

/** The credentialed CORS headers a page needs to read an answer and to send its cookies. */
const expectCors = (res: Response, origin = ORIGIN) => {
  expect(res.headers.get('access-control-allow-origin')).toBe(origin);
  expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  expect(res.headers.get('vary') ?? '').toMatch(/\bOrigin\b/);
};

describe('CORS on every answer to an allowed origin', () => {
  it.each([
    ['200', '/v1/batch', { batch: [trackEvent('m1')] }, { Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}` }, 200],
    ['400 invalid JSON', '/v1/batch', '{not json', { Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}` }, 400],
    [
      '400 refused single event',
      '/v1/t',
      { anonymousId: 'a1' },
      { Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}` },
      400,
    ],
    ['401 unknown write key', '/v1/batch', { batch: [] }, { Authorization: `Basic ${btoa('nope:')}` }, 401],
    ['403 origin of another site', '/v1/batch', { batch: [] }, { Authorization: 'Basic ZGV2Og==' }, 403],
    ['404 unknown path', '/v1/teleport', {}, {}, 404],
    [
      '413 too large',
      '/v1/batch',
      { batch: [], pad: 'x'.repeat(600 * 1024) },
      { Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}` },
      413,
    ],
  ])('answers %s with the CORS headers', async (_, path, body, headers, status) => {
    const { post } = await testApp();
    const res = await post(path, body, { ...headers, Origin: ORIGIN });
    expect(res.status).toBe(status);
    expectCors(res);
    expect(await res.json()).toMatchObject(
      status === 200 ? { ok: true } : { ok: false, error: expect.any(String), message: expect.any(String) },
    );
  });

  it('answers 429 with the CORS headers and exposes Retry-After, which the clients back off by', async () => {
    const { post, basic } = await testApp({ rateLimit: { perAddress: 0, perSite: 1 } });
    let res: Response | undefined;
    for (let i = 0; i < 5; i++) res = await post('/v1/batch', { batch: [] }, { ...basic(SHOP_KEY), Origin: ORIGIN });
    expect(res!.status).toBe(429);
    expectCors(res!);
    expect(res!.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
  });

  it.each(['/v1/batch', '/v1/t', '/v1/track', '/v1/b', '/v1/m', '/v1/projects/shop-key/settings'])(
    'answers a preflight for %s with JSON bodies and custom headers',
    async (path) => {
      const { app } = await testApp();
      const res = await app.request(path, {
        method: 'OPTIONS',
        headers: {
          Origin: ORIGIN,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,authorization,anonymousid',
        },
      });
      expect(res.status).toBe(204);
      expectCors(res);
      expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(res.headers.get('access-control-allow-headers')?.split(',')).toEqual([
        'content-type',
        'authorization',
        'anonymousid',
      ]);
    },
  );

  it('gives a foreign origin no CORS headers, and the admin API none at all', async () => {
    const { post, app, basic } = await testApp();
    const foreign = await post('/v1/batch', { batch: [] }, { ...basic(SHOP_KEY), Origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    const admin = await app.request('/v1/persons/anonymous/a1', { headers: { Origin: ORIGIN } });
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
  });
});
