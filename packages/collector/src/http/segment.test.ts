import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { parseConfig } from '../config.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';
import type { StoredEvent } from '../storage/storage.ts';

const KEY = 'segment-shop-key';
const ORIGIN = 'https://shop.example';
const auth = { Authorization: `Basic ${btoa(`${KEY}:`)}` };
// What analytics-next sends from a page: text/plain, no preflight needed for the body.
const fromPage = { ...auth, Origin: ORIGIN, 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'text/plain' };

/** A collector for a shop whose pages send Segment's (and OneTrust's) consent, mapped to Kith's. */
async function segmentShop(site: Record<string, unknown> = {}) {
  const storage = createSqliteStorage({ path: ':memory:' });
  await storage.migrate();
  const config = parseConfig({
    sites: [
      {
        id: 'shop',
        writeKey: KEY,
        origins: [ORIGIN],
        consentMapping: { Analytics: 'analytics', C0002: 'analytics', Advertising: 'marketing' },
        ...site,
      },
    ],
  });
  const app = createApp({
    storage,
    config,
    adminToken: 'admin-token',
    sdkScript: '',
    sdkBanner: '',
    clock: () => new Date('2026-06-01T12:00:00.000Z'),
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = fromPage) =>
    app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
  // Through the person API: the person's events under all their linked IDs.
  const eventsOf = async (kind: 'user' | 'anonymous', id: string): Promise<StoredEvent[]> => {
    const res = await app.request(`/v1/persons/${kind}/${id}/events?limit=100`, {
      headers: { Authorization: 'Bearer admin-token' },
    });
    return res.status === 404 ? [] : ((await res.json()) as { events: StoredEvent[] }).events;
  };
  return { app, storage, post, eventsOf };
}

const segmentConsent = (preferences: Record<string, boolean>) => ({ consent: { categoryPreferences: preferences } });
// An anonymous analytics-next call as it goes over the wire: nulls for what it does not know.
const wire = (type: string, messageId: string, extra: Record<string, unknown> = {}) => ({
  type,
  messageId,
  anonymousId: 'seg-anon',
  userId: null,
  timestamp: '2026-06-01T11:59:00.000Z',
  context: { ...segmentConsent({ Analytics: true, Advertising: false }), page: { path: '/', url: `${ORIGIN}/` } },
  integrations: {},
  writeKey: KEY,
  sentAt: '2026-06-01T11:59:00.100Z',
  ...extra,
});

describe("Segment's browser wire", () => {
  it.each([
    ['t', 'track', { event: 'Product Viewed', properties: { sku: 'mug' } }],
    ['p', 'page', { name: null, category: null, properties: { path: '/' } }],
    ['i', 'identify', { traits: {} }],
    ['g', 'group', { groupId: 'acme', traits: { name: 'Acme' } }],
    ['s', 'screen', { name: 'Home' }],
  ])('stores a /v1/%s call as a %s, taking its nulls as absent', async (path, type, extra) => {
    const { post, eventsOf } = await segmentShop();
    const res = await post(`/v1/${path}`, wire(type, `seg-${path}`, extra));
    expect(res.status).toBe(200);
    const [stored] = await eventsOf('anonymous', 'seg-anon');
    expect(stored).toMatchObject({ type, messageId: `seg-${path}` });
    expect(stored).not.toHaveProperty('userId');
  });

  it('stores an alias from /v1/a and a batch from /v1/b, each messageId once', async () => {
    const { post, eventsOf } = await segmentShop();
    const batch = {
      batch: [wire('track', 'b1', { event: 'A' }), wire('track', 'b2', { event: 'B' })],
      sentAt: '2026-06-01T11:59:01.000Z',
      writeKey: KEY,
    };
    expect(await (await post('/v1/b', batch)).json()).toMatchObject({ ok: true, accepted: 2, rejected: [] });
    expect(await (await post('/v1/b', batch)).json()).toMatchObject({ ok: true, accepted: 2 });
    expect((await post('/v1/a', wire('alias', 'al1', { userId: 'cust-1', previousId: 'seg-anon' }))).status).toBe(200);
    expect((await eventsOf('user', 'cust-1')).map((e) => e.messageId).sort()).toEqual(['al1', 'b1', 'b2']);
  });

  it('joins the anonymous history to the customer on identify', async () => {
    const { post, eventsOf } = await segmentShop();
    await post('/v1/p', wire('page', 'v1'));
    await post('/v1/p', wire('page', 'v2'));
    await post('/v1/i', wire('identify', 'login', { userId: 'cust-9', traits: { email: 'ada@example.com' } }));
    expect((await eventsOf('user', 'cust-9')).map((e) => e.messageId).sort()).toEqual(['login', 'v1', 'v2']);
  });

  it('answers the library’s metrics (/v1/m) with 2xx and keeps nothing', async () => {
    const { post, storage } = await segmentShop();
    const res = await post('/v1/m', {
      series: [{ type: 'Counter', metric: 'analytics_js.invoke', value: 1, tags: {} }],
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await storage.rejected('shop', 10)).toEqual([]);
  });

  it('serves the settings document: Segment.io pointed at this collector, metrics off, nothing else to load', async () => {
    const { app } = await segmentShop();
    const res = await app.request(`https://collect.shop.example/v1/projects/${KEY}/settings`, {
      headers: { Origin: ORIGIN },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const settings = (await res.json()) as Record<string, unknown>;
    expect(settings).toMatchObject({
      integrations: { 'Segment.io': { apiKey: KEY, apiHost: 'collect.shop.example/v1', protocol: 'https' } },
      metrics: { sampleRate: 0 },
      remotePlugins: [],
    });
    expect(Object.keys(settings.integrations as object)).toEqual(['Segment.io']);
    const unknown = await app.request('/v1/projects/nope/settings', { headers: { Origin: ORIGIN } });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ ok: false, error: 'unauthorized' });
  });
});

describe('consent from other consent managers, mapped by the site', () => {
  it('stores a browser event whose mapped consent grants analytics, with the mapping in force', async () => {
    const { post, eventsOf } = await segmentShop();
    expect((await post('/v1/t', wire('track', 'ok', { event: 'Viewed' }))).status).toBe(200);
    const onetrust = wire('track', 'ot', {
      event: 'Viewed',
      context: { consent: { categoryPreferences: { C0001: true, C0002: true } } },
    });
    expect((await post('/v1/t', onetrust)).status).toBe(200);
    const rudder = wire('track', 'rs', {
      event: 'Viewed',
      context: {
        consentManagement: {
          provider: 'oneTrust',
          allowedConsentIds: ['C0001', 'C0002', 'Analytics'],
          deniedConsentIds: ['Advertising'],
        },
      },
    });
    expect((await post('/v1/t', rudder)).status).toBe(200);
    const stored = Object.fromEntries(
      (await eventsOf('anonymous', 'seg-anon')).map((e) => [e.messageId, e.context?.consent]),
    );
    const mapping = { Analytics: 'analytics', C0002: 'analytics', Advertising: 'marketing' };
    expect(stored.ok).toEqual({
      categoryPreferences: { Analytics: true, Advertising: false },
      categories: { analytics: true, marketing: false },
      mapping,
    });
    expect(stored.ot).toMatchObject({ categories: { analytics: true, marketing: false }, mapping });
    expect(stored.rs).toMatchObject({ categories: { analytics: true, marketing: false }, mapping });
  });

  it.each([
    ['Analytics: false', segmentConsent({ Analytics: false, Advertising: true })],
    ['no mapped category', segmentConsent({ Functional: true })],
    ['one mapped ID granted, another refused', segmentConsent({ Analytics: true, C0002: false })],
    ['RudderStack’s denied IDs', { consentManagement: { allowedConsentIds: ['C0001'], deniedConsentIds: ['C0002'] } }],
    ['no consent at all', { page: { path: '/' } }],
  ])('refuses a browser event with %s as no_consent and keeps nothing', async (_, context) => {
    const { post, eventsOf, storage } = await segmentShop();
    const res = await post(
      '/v1/i',
      wire('identify', 'refused', { userId: 'cust-2', traits: { email: 'kim@example.com' }, context }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'no_consent' });
    expect(await eventsOf('user', 'cust-2')).toEqual([]);
    expect((await storage.rejected('shop', 10)).map((r) => r.payload).join()).not.toContain('kim@example.com');
  });

  it('takes no foreign consent for a site without a mapping', async () => {
    const { post } = await segmentShop({ consentMapping: undefined });
    const res = await post('/v1/t', wire('track', 'x', { event: 'Viewed' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'no_consent' });
  });
});
