import { describe, expect, it } from 'vitest';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

// Deterministic pseudo-random inputs, so a failure can be replayed.
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

const VALUES: unknown[] = [null, true, 0, -1, 1e308, 'x', '', [], {}, [1, 2], { a: 1 }, '\u0000', '\ud800', 'a'.repeat(300)];
const KEYS = ['type', 'messageId', 'anonymousId', 'userId', 'event', 'name', 'properties', 'traits', 'context', 'timestamp', 'previousId', 'groupId', '__proto__', 'constructor'];

describe('hostile and malformed input', () => {
  it('refuses an event nested 50,000 levels deep and keeps its good neighbour', async () => {
    const { post, basic, storage } = await testApp();
    const depth = 50_000;
    const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const body = `{"batch":[{"type":"track","event":"x","anonymousId":"anon-1","messageId":"deep","properties":${deep}},${JSON.stringify(trackEvent('fine'))}]}`;
    const res = await post('/v1/batch', body, basic(SHOP_KEY));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, reason: 'event_too_deep' }] });
    expect((await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events.map((e) => e.messageId)).toEqual(['fine']);
  });

  it('refuses text that is not valid Unicode, in values and in keys', async () => {
    const { post, basic } = await testApp();
    const res = await post('/v1/batch', '{"batch":[' + [
      '{"type":"track","event":"x\\ud800","anonymousId":"anon-1"}',
      '{"type":"track","event":"x","anonymousId":"anon-1","properties":{"\\udfff":1}}',
      '{"type":"track","event":"ok \\ud83d\\ude00","anonymousId":"anon-1"}',
    ].join(',') + ']}', basic(SHOP_KEY));
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, reason: 'invalid_text' }, { index: 1, reason: 'invalid_text' }] });
  });

  it('never answers 500 to thousands of malformed, truncated and type-confused requests, and keeps the good events', async () => {
    const { post, basic, storage, app } = await testApp();
    const next = random(42);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const good = JSON.stringify({ batch: [trackEvent('g1'), trackEvent('g2')], sentAt: '2026-06-01T11:59:59.000Z' });
    const statuses = new Map<number, number>();
    let goodSent = 0;

    for (let i = 0; i < 3000; i++) {
      const path = pick(['/v1/batch', '/v1/batch', '/v1/track', '/v1/identify', '/v1/alias']);
      const auth = pick([basic(SHOP_KEY), basic(SHOP_KEY), {}]);
      let body: string;
      const shape = i % 5;
      if (shape === 0) body = good.slice(0, Math.floor(next() * good.length)); // truncated
      else if (shape === 1) body = Array.from({ length: 1 + Math.floor(next() * 40) }, () => String.fromCharCode(Math.floor(next() * 0x2fff))).join('');
      else if (shape === 2) {
        // a type-confused event among good ones
        const event: Record<string, unknown> = { ...trackEvent(`m${i}`) };
        for (let k = 0; k < 3; k++) event[pick(KEYS)] = pick(VALUES);
        if (path === '/v1/batch' && 'Authorization' in auth) goodSent++;
        body = JSON.stringify({ batch: [trackEvent(`good-${i}`), event], sentAt: pick(VALUES) });
      } else if (shape === 3) body = JSON.stringify(pick([{ batch: pick(VALUES) }, pick(VALUES), { batch: [pick(VALUES), pick(VALUES)] }]));
      else body = JSON.stringify({ batch: [{ type: pick(['track', 'page', 'identify', 'alias', 'group', 'screen', 'consent']), [pick(KEYS)]: pick(VALUES), anonymousId: pick(VALUES) }] });

      const res = await post(path, body, auth);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `request ${i}: ${body.slice(0, 200)}`).toBeLessThan(500);
      expect(((await res.json()) as { ok: boolean }).ok).toBeTypeOf('boolean');
    }

    // Every good event sent beside a confused one was stored; the app still answers.
    const stored = await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 1000 });
    const goodStored = stored.events.filter((e) => e.messageId.startsWith('good-'));
    expect(goodStored.length).toBe(goodSent);
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 401]));
    expect((await app.request('/healthz')).status).toBe(200);
  });

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
