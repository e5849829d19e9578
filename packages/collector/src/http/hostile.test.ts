import { describe, expect, it } from 'vitest';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

// Deterministic pseudo-random inputs, so a failure can be replayed.
function random(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

const VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  'x',
  '',
  [],
  {},
  [1, 2],
  { a: 1 },
  '\u0000',
  '\ud800',
  'a'.repeat(300),
];
const EXTREMES = [
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
];
const KEYS = [
  'type',
  'messageId',
  'anonymousId',
  'userId',
  'event',
  'name',
  'properties',
  'traits',
  'context',
  'timestamp',
  'previousId',
  'groupId',
  '__proto__',
  'constructor',
];

describe('hostile and malformed input', () => {
  it('refuses an event nested 50,000 levels deep and keeps its good neighbour', async () => {
    const { post, basic, storage } = await testApp();
    const depth = 50_000;
    const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const body = `{"batch":[{"type":"track","event":"x","anonymousId":"anon-1","messageId":"deep","properties":${deep}},${JSON.stringify(trackEvent('fine'))}]}`;
    const res = await post('/v1/batch', body, basic(SHOP_KEY));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, reason: 'event_too_deep' }] });
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events.map(
        (e) => e.messageId,
      ),
    ).toEqual(['fine']);
  }, 30_000);

  it('refuses text that is not valid Unicode, in values and in keys', async () => {
    const { post, basic } = await testApp();
    const res = await post(
      '/v1/batch',
      '{"batch":[' +
        [
          '{"type":"track","event":"x\\ud800","anonymousId":"anon-1"}',
          '{"type":"track","event":"x","anonymousId":"anon-1","properties":{"\\udfff":1}}',
          '{"type":"track","event":"ok \\ud83d\\ude00","anonymousId":"anon-1"}',
        ].join(',') +
        ']}',
      basic(SHOP_KEY),
    );
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, reason: 'invalid_text' },
        { index: 1, reason: 'invalid_text' },
      ],
    });
  });

  it('never answers 500 to thousands of malformed, truncated, type-confused, deep, far-dated, prototype-named, address-rotating and linker-flooding requests, and keeps the good events', async () => {
    const { post, basic, storage, app } = await testApp({ addresses: true, rateLimit: { perAddress: 50, perSite: 0 } });
    const next = random(42);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const good = JSON.stringify({ batch: [trackEvent('g1'), trackEvent('g2')], sentAt: '2026-06-01T11:59:59.000Z' });
    const statuses = new Map<number, number>();
    const goodSent: string[] = [];
    let rotatingLimited = 0;

    for (let i = 0; i < 3000; i++) {
      let path = pick(['/v1/batch', '/v1/batch', '/v1/track', '/v1/identify', '/v1/alias']);
      const auth = pick([basic(SHOP_KEY), basic(SHOP_KEY), {}]);
      const goodId = `good-${i}`;
      const withGood = (items: string[]) =>
        `{"batch":[${JSON.stringify(trackEvent(goodId))},${items.join(',')}],"sentAt":${JSON.stringify(pick([...EXTREMES, '2026-06-01T11:59:59.000Z']))}}`;
      let body: string;
      let carriesGood = false;
      const shape = i % 9;
      if (shape === 0)
        body = good.slice(0, Math.floor(next() * good.length)); // truncated
      else if (shape === 1)
        body = Array.from({ length: 1 + Math.floor(next() * 40) }, () =>
          String.fromCharCode(Math.floor(next() * 0x2fff)),
        ).join('');
      else if (shape === 2) {
        // a type-confused event among good ones
        const event: Record<string, unknown> = { ...trackEvent(`m${i}`) };
        for (let k = 0; k < 3; k++) event[pick(KEYS)] = pick(VALUES);
        body = JSON.stringify({ batch: [trackEvent(goodId), event], sentAt: pick(VALUES) });
        carriesGood = true;
      } else if (shape === 3)
        body = JSON.stringify(pick([{ batch: pick(VALUES) }, pick(VALUES), { batch: [pick(VALUES), pick(VALUES)] }]));
      else if (shape === 4)
        body = JSON.stringify({
          batch: [
            {
              type: pick(['track', 'page', 'identify', 'alias', 'group', 'screen', 'consent']),
              [pick(KEYS)]: pick(VALUES),
              anonymousId: pick(VALUES),
            },
          ],
        });
      else if (shape === 5) {
        // arrays and objects nested up to 5,000 deep, as an item or inside one
        const depth = 30 + Math.floor(next() * 5000);
        const deep = pick([
          () => '['.repeat(depth) + ']'.repeat(depth),
          () => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
        ])();
        body = withGood([
          pick([deep, `{"type":"track","event":"x","anonymousId":"anon-1","properties":{"p":${deep}}}`]),
        ]);
        carriesGood = true;
      } else if (shape === 6) {
        // timestamps at the ends of what a date can hold, with a sentAt at the other end
        body = withGood([JSON.stringify(trackEvent(`far-${i}`, { timestamp: pick(EXTREMES) }))]);
        carriesGood = true;
      } else if (shape === 7) {
        // a linker flood: tokens asked for and redeemed with anything
        path = pick(['/v1/linker', '/v1/linker/redeem']);
        body = JSON.stringify({
          writeKey: pick([SHOP_KEY, SHOP_KEY, 'nope']),
          anonymousId: pick([...VALUES, `a${i}`]),
          target: pick(['shop-b.example', 'evil.example', ...VALUES]),
          token: pick([...VALUES, 'x.y']),
        });
      } else {
        // keys named after Object.prototype, where a careless merge would change prototypes
        const key = pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
        const where = pick(['traits', 'properties', 'context']);
        body = withGood([
          `{"type":"identify","messageId":"proto-${i}","anonymousId":"anon-p","userId":"user-p","${where}":{"${key}":{"polluted":true},"${key === '__proto__' ? 'constructor' : '__proto__'}":1}}`,
        ]);
        carriesGood = true;
      }
      // Every fourth request rotates through one IPv6 /64; the others each come from an address of their own.
      const rotating = i % 4 === 0;
      const address = rotating
        ? `2001:db8:f00d:1:${(i & 0xffff).toString(16)}:${((i * 31) & 0xffff).toString(16)}::1`
        : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

      const res = await post(path, body, { ...auth, 'X-Test-Address': address });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `request ${i}: ${body.slice(0, 200)}`).toBeLessThan(500);
      expect(((await res.json()) as { ok: boolean }).ok).toBeTypeOf('boolean');
      if (res.status === 200 && carriesGood) goodSent.push(goodId);
      if (rotating && res.status === 429) rotatingLimited++;
    }

    // Every good event sent beside a bad one in an accepted request was stored; the app still answers.
    const stored: string[] = [];
    let before: string | undefined;
    do {
      const page = await storage.events({
        ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }),
        limit: 1000,
        ...(before ? { before } : {}),
      });
      stored.push(...page.events.map((e) => e.messageId));
      before = page.next ?? undefined;
    } while (before);
    expect(goodSent.length).toBeGreaterThan(200);
    expect(stored.filter((id) => id.startsWith('good-')).sort()).toEqual([...goodSent].sort());
    // Rotating addresses within one /64 spends one budget: most of those 750 requests were limited.
    expect(rotatingLimited).toBeGreaterThan(500);
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 401, 429]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await app.request('/healthz')).status).toBe(200);
    // Three thousand requests, some 5,000 levels deep: give a loaded machine time.
  }, 180_000);

  it.each([
    ['an empty body', ''],
    ['a JSON number', '42'],
    ['binary garbage', '\u0000\u0001\u0002'],
  ])('answers %s with a 4xx JSON error', async (_name, body) => {
    const { post, basic } = await testApp();
    const res = await post('/v1/batch', body, basic(SHOP_KEY));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.json()).toMatchObject({ ok: false, error: expect.any(String), message: expect.any(String) });
  });
});
