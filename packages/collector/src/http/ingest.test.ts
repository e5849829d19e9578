import { describe, expect, it } from 'vitest';
import type { BatchResponse } from '@kith/sdk/contract';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

const batchOf = (...batch: unknown[]) => ({ batch, sentAt: '2026-06-01T11:59:30.000Z' });

describe('POST /v1/batch', () => {
  it('stores a Segment-style batch with receivedAt and a skew-corrected timestamp', async () => {
    const { post, basic, storage } = await testApp();
    // The client clock is 30 s behind: it sent at 11:59:30 by its clock, we received at 12:00:00.
    const res = await post('/v1/batch', batchOf(trackEvent('m1')), basic(SHOP_KEY));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, accepted: 1, rejected: [] });
    const { events } = await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      site: 'shop',
      messageId: 'm1',
      event: 'Product Added',
      properties: { sku: 'kith-mug', price: 12 },
      receivedAt: '2026-06-01T12:00:00.000Z',
      originalTimestamp: '2026-06-01T11:59:00.000Z',
      sentAt: '2026-06-01T11:59:30.000Z',
      timestamp: '2026-06-01T11:59:30.000Z',
    });
  });

  it('accepts the write key in the body and a text/plain body (sendBeacon)', async () => {
    const { post, storage } = await testApp();
    const res = await post('/v1/batch', JSON.stringify({ ...batchOf(trackEvent('m1')), writeKey: SHOP_KEY }), {
      'Content-Type': 'text/plain;charset=UTF-8',
    });
    expect(res.status).toBe(200);
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events,
    ).toHaveLength(1);
  });

  it('stores each messageId once when a batch is resent', async () => {
    const { post, basic, storage } = await testApp();
    const body = batchOf(trackEvent('m1'), trackEvent('m2'));
    expect((await post('/v1/batch', body, basic(SHOP_KEY))).status).toBe(200);
    const again = await post('/v1/batch', body, basic(SHOP_KEY));
    expect(await again.json()).toEqual({ ok: true, accepted: 2, rejected: [] });
    const { events } = await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 });
    expect(events.map((e) => e.messageId).sort()).toEqual(['m1', 'm2']);
  });

  it('keeps the good events of a mixed batch and quarantines the bad ones with their reason', async () => {
    const { post, basic, storage } = await testApp();
    const res = await post(
      '/v1/batch',
      batchOf(
        trackEvent('good-1'),
        { type: 'track', messageId: 'bad-1', anonymousId: 'anon-1' },
        'not an event',
        { type: 'teleport', messageId: 'bad-3', anonymousId: 'anon-1' },
        trackEvent('bad-4', { anonymousId: undefined }),
        trackEvent('bad-5', { timestamp: 'yesterday' }),
        trackEvent('good-2'),
      ),
      basic(SHOP_KEY),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as BatchResponse;
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'missing_event'],
      [2, 'not_an_object'],
      [3, 'invalid_type'],
      [4, 'missing_identity'],
      [5, 'invalid_timestamp'],
    ]);
    expect(body.rejected[0]?.message).toMatch(/event name/);
    const stored = await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 });
    expect(stored.events.map((e) => e.messageId).sort()).toEqual(['good-1', 'good-2']);
    const quarantined = await storage.rejected('shop', 10);
    expect(quarantined.map((r) => r.reason).sort()).toEqual([
      'invalid_timestamp',
      'invalid_type',
      'missing_event',
      'missing_identity',
      'not_an_object',
    ]);
    expect(quarantined.find((r) => r.reason === 'invalid_type')?.payload).toContain('teleport');
  });

  it('quarantines an event over 32 KB and keeps the rest of its batch', async () => {
    const { post, basic, storage } = await testApp();
    const huge = trackEvent('huge', { properties: { blob: 'x'.repeat(33 * 1024) } });
    const res = await post('/v1/batch', batchOf(trackEvent('small'), huge), basic(SHOP_KEY));
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, reason: 'event_too_large' }] });
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events.map(
        (e) => e.messageId,
      ),
    ).toEqual(['small']);
  });

  it('refuses browser events whose consent does not grant analytics', async () => {
    const { post, basic, storage } = await testApp();
    const denied = {
      consent: { policyVersion: '1', categories: { necessary: true, analytics: false, marketing: false } },
    };
    const granted = {
      consent: { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: false } },
    };
    const res = await post(
      '/v1/batch',
      batchOf(trackEvent('denied', { context: denied }), trackEvent('granted', { context: granted })),
      basic(SHOP_KEY),
    );
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, reason: 'no_consent' }] });
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events.map(
        (e) => e.messageId,
      ),
    ).toEqual(['granted']);
  });

  it('keeps consent events in the append-only consent log, not among events', async () => {
    const { post, basic, storage } = await testApp();
    const consent = {
      type: 'consent',
      messageId: 'c1',
      anonymousId: 'anon-1',
      properties: {
        policyVersion: '3',
        categories: { necessary: true, analytics: true, marketing: false },
        method: 'custom',
        locale: 'de-DE',
      },
    };
    expect(await (await post('/v1/batch', batchOf(consent), basic(SHOP_KEY))).json()).toMatchObject({ accepted: 1 });
    expect((await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events).toEqual(
      [],
    );
    expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).toEqual([
      expect.objectContaining({ messageId: 'c1', anonymousId: 'anon-1', consent: consent.properties }),
    ]);
  });

  it('generates a messageId for senders that leave it out and turns numeric IDs into strings', async () => {
    const { post, basic, storage } = await testApp();
    await post('/v1/batch', batchOf({ type: 'identify', userId: 42, traits: { plan: 'pro' } }), basic(SHOP_KEY));
    const { events } = await storage.events({ ...idsOf('shop', { kind: 'user', id: '42' }), limit: 10 });
    expect(events[0]).toMatchObject({ messageId: 'server-id-1', userId: '42', traits: { plan: 'pro' } });
  });
});

describe('bad requests get a JSON error with a code and a hint', () => {
  it('answers invalid JSON with 400 invalid_json', async () => {
    const { post, basic } = await testApp();
    const res = await post('/v1/batch', '{"batch": [', basic(SHOP_KEY));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      ok: false,
      error: 'invalid_json',
      message: expect.stringMatching(/JSON/),
    });
  });

  it.each([
    ['an array', []],
    ['a batch that is not a list', { batch: { type: 'track' } }],
    ['no batch at all', { events: [] }],
    ['a string', 'hello'],
    ['null', null],
  ])('answers %s with 400 not_a_batch', async (_name, body) => {
    const { post, basic } = await testApp();
    const res = await post('/v1/batch', JSON.stringify(body), basic(SHOP_KEY));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'not_a_batch' });
  });

  it('answers a body over 500 KB with 413, even without Content-Length, and stores nothing', async () => {
    const { app, storage } = await testApp();
    const events = Array.from({ length: 60 }, (_, i) => trackEvent(`m${i}`, { properties: { pad: 'x'.repeat(9000) } }));
    const bytes = new TextEncoder().encode(JSON.stringify({ batch: events, writeKey: SHOP_KEY }));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await app.request('/v1/batch', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ ok: false, error: 'payload_too_large' });
    expect((await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 10 })).events).toEqual(
      [],
    );
  });

  it('answers a declared Content-Length over 500 KB with 413 before reading the body', async () => {
    const { app } = await testApp();
    const res = await app.request('/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(600 * 1024) },
      body: JSON.stringify({ batch: [trackEvent('m1')], writeKey: SHOP_KEY }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ ok: false, error: 'payload_too_large' });
  });

  it('answers more than 2,500 events with 413', async () => {
    const { post, basic } = await testApp();
    const batch = Array.from({ length: 2501 }, () => ({}));
    const res = await post('/v1/batch', { batch }, basic(SHOP_KEY));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large', message: expect.stringMatching(/2500/) });
  });

  it('answers a missing or unknown write key with 401', async () => {
    const { post, basic } = await testApp();
    for (const headers of [{}, basic('no-such-key'), { Authorization: 'Basic !!!' }]) {
      const res = await post('/v1/batch', batchOf(trackEvent('m1')), headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ ok: false, error: 'unauthorized' });
    }
  });

  it('answers an origin the site does not allow with 403, and allows its own', async () => {
    const { post, basic } = await testApp();
    const evil = await post('/v1/batch', batchOf(trackEvent('m1')), {
      ...basic(SHOP_KEY),
      Origin: 'https://evil.example',
    });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ error: 'forbidden_origin' });
    const lookalike = await post('/v1/batch', batchOf(trackEvent('m1')), {
      ...basic(SHOP_KEY),
      Origin: 'https://shop.example.evil.example',
    });
    expect(lookalike.status).toBe(403);
    const own = await post('/v1/batch', batchOf(trackEvent('m1')), {
      ...basic(SHOP_KEY),
      Origin: 'https://www.shop.example',
    });
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
  });

  it('answers with 503 and Retry-After when storage is unavailable, and acknowledges nothing', async () => {
    const { post, basic, storage } = await testApp();
    await storage.close();
    const res = await post('/v1/batch', batchOf(trackEvent('m1')), basic(SHOP_KEY));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ ok: false, error: 'storage_unavailable' });
  });
});

describe('single-event paths', () => {
  it.each(['track', 'page', 'identify', 'alias', 'group', 'screen'])(
    'stores a /v1/%s call with its type from the path',
    async (type) => {
      const { post, basic, storage } = await testApp();
      const event = {
        messageId: `single-${type}`,
        userId: 'user-1',
        anonymousId: 'anon-1',
        event: 'Signed Up',
        previousId: 'anon-1',
        groupId: 'g1',
      };
      const res = await post(`/v1/${type}`, event, basic(SHOP_KEY));
      expect(res.status).toBe(200);
      const { events } = await storage.events({ ...idsOf('shop', { kind: 'user', id: 'user-1' }), limit: 10 });
      expect(events).toEqual([expect.objectContaining({ type, messageId: `single-${type}` })]);
    },
  );

  it('answers an invalid single event with 400 and its reason, and quarantines it', async () => {
    const { post, basic, storage } = await testApp();
    const res = await post('/v1/track', { anonymousId: 'anon-1' }, basic(SHOP_KEY));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'missing_event' });
    expect(await storage.rejected('shop', 10)).toHaveLength(1);
  });

  it('answers a single event over 32 KB with 413', async () => {
    const { post, basic } = await testApp();
    const res = await post(
      '/v1/track',
      trackEvent('big', { properties: { pad: 'x'.repeat(33 * 1024) } }),
      basic(SHOP_KEY),
    );
    expect(res.status).toBe(413);
  });
});
