import { describe, expect, it } from 'vitest';
import type { EventPage } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

async function withEvents(count: number) {
  const t = await testApp();
  const batch = Array.from({ length: count }, (_, i) =>
    trackEvent(`m${i}`, { userId: 'user-1', timestamp: new Date(Date.UTC(2026, 4, 1, 0, i)).toISOString() }),
  );
  await t.post('/v1/batch', { batch }, t.basic(SHOP_KEY));
  return t;
}

describe('GET /v1/persons/:kind/:id/events', () => {
  it('returns the person’s events newest first, page by page', async () => {
    const { admin } = await withEvents(5);
    const first = await admin('/v1/persons/user/user-1/events?site=shop&limit=2');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as EventPage;
    expect(page1.events.map((e) => e.messageId)).toEqual(['m4', 'm3']);
    const page2 = (await (
      await admin(`/v1/persons/user/user-1/events?site=shop&limit=2&before=${page1.next}`)
    ).json()) as EventPage;
    expect(page2.events.map((e) => e.messageId)).toEqual(['m2', 'm1']);
    const page3 = await (await admin(`/v1/persons/user/user-1/events?site=shop&limit=2&before=${page2.next}`)).json();
    expect(page3).toMatchObject({ events: [{ messageId: 'm0' }], next: null });
  });

  it('finds events by anonymous ID', async () => {
    // An event that names a user ID is that user's: this one names none.
    const { admin, post, basic } = await testApp();
    await post('/v1/batch', { batch: [trackEvent('m0')] }, basic(SHOP_KEY));
    const body = (await (await admin('/v1/persons/anonymous/anon-1/events?site=shop')).json()) as EventPage;
    expect(body.events).toEqual([expect.objectContaining({ messageId: 'm0', anonymousId: 'anon-1', site: 'shop' })]);
  });

  it('returns every field as it was sent, NULs and unicode included, in the events and the export', async () => {
    const { admin, post, basic } = await testApp();
    const sent = trackEvent('m\u0000✓', {
      anonymousId: 'anon\u0000😀',
      userId: 'user\u0000ü',
      event: 'Tasse “☕”\u0000',
      properties: { note: 'a\u0000b', '\u2400': 'ü' },
    });
    expect(await (await post('/v1/batch', { batch: [sent] }, basic(SHOP_KEY))).json()).toMatchObject({ accepted: 1 });
    const path = `/v1/persons/user/${encodeURIComponent('user\u0000ü')}`;
    const { events } = (await (await admin(`${path}/events?site=shop`)).json()) as EventPage;
    const exported = (await (await admin(`${path}/export?site=shop`)).json()) as EventPage;
    for (const held of [events, exported.events]) {
      expect(held).toEqual([expect.objectContaining({ ...sent, site: 'shop', timestamp: sent.timestamp })]);
    }
  });

  it.each([
    ['no token', {}, 401, 'unauthorized'],
    ['a wrong token', { Authorization: 'Bearer not-the-token' }, 401, 'unauthorized'],
    ['a non-bearer scheme', { Authorization: 'Basic dGVzdA==' }, 400, 'invalid_request'],
  ])('refuses %s with a JSON hint', async (_name, headers, status, error) => {
    const { app } = await withEvents(1);
    const res = await app.request('/v1/persons/user/user-1/events', { headers });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ ok: false, error, message: expect.stringMatching(/Bearer/) });
  });

  it('answers a bad limit or cursor with 400 and an unknown kind with 404', async () => {
    const { admin } = await withEvents(1);
    expect((await admin('/v1/persons/user/user-1/events?site=shop&limit=0')).status).toBe(400);
    expect((await admin('/v1/persons/user/user-1/events?site=shop&limit=abc')).status).toBe(400);
    const badCursor = await admin('/v1/persons/user/user-1/events?site=shop&before=%%%');
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toMatchObject({ error: 'invalid_request' });
    expect((await admin('/v1/persons/device/x/events')).status).toBe(404);
  });
});

describe('public routes', () => {
  it('answers /healthz', async () => {
    const { app } = await testApp();
    expect(await (await app.request('/healthz')).json()).toEqual({ ok: true });
  });

  it('serves /kith.js with an ETag, caching headers and 304 on revalidation', async () => {
    const { app } = await testApp();
    const res = await app.request('/kith.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(await res.text()).toBe('/* kith test bundle */');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await app.request('/kith.js', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves the banner module at /kith-banner.js to any origin, with an ETag and 304 on revalidation', async () => {
    const { app } = await testApp();
    const res = await app.request('/kith-banner.js', { headers: { origin: 'https://elsewhere.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toBe('/* kith test banner */');
    const again = await app.request('/kith-banner.js', { headers: { 'If-None-Match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const { app } = await testApp();
    const res = await app.request('/v1/nothing', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ok: false, error: 'not_found' });
  });
});
