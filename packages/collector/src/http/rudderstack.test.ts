import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { parseConfig } from '../config.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';
import type { StoredEvent } from '../storage/storage.ts';

const KEY = 'rudder-shop-key';
const ORIGIN = 'https://shop.example';

/** A collector for a shop whose pages run RudderStack's browser SDK with OneTrust-style consent IDs. */
async function rudderShop() {
  const storage = createSqliteStorage({ path: ':memory:' });
  await storage.migrate();
  const config = parseConfig({
    sites: [{ id: 'shop', writeKey: KEY, origins: [ORIGIN], consentMapping: { C0002: 'analytics' } }],
  });
  const app = createApp({
    storage,
    config,
    adminToken: 'admin-token-0123456789',
    sdkScript: '',
    sdkBanner: '',
    clock: () => new Date('2026-06-01T12:00:00.000Z'),
  });
  const eventsOf = async (kind: 'user' | 'anonymous', id: string): Promise<StoredEvent[]> => {
    const res = await app.request(`/v1/persons/${kind}/${id}/events?limit=100`, {
      headers: { Authorization: 'Bearer admin-token-0123456789' },
    });
    return res.status === 404 ? [] : ((await res.json()) as { events: StoredEvent[] }).events;
  };
  return { app, eventsOf };
}

// An anonymous analytics-js call as it goes over the wire: `userId: ""`, the client time as originalTimestamp.
const wire = (type: string, messageId: string, granted: boolean, extra: Record<string, unknown> = {}) => ({
  type,
  messageId,
  anonymousId: 'rs-anon',
  userId: '',
  channel: 'web',
  originalTimestamp: '2026-06-01T11:59:00.000Z',
  sentAt: '2026-06-01T11:59:00.100Z',
  context: {
    consentManagement: {
      provider: 'custom',
      allowedConsentIds: granted ? ['C0001', 'C0002'] : ['C0001'],
      deniedConsentIds: granted ? [] : ['C0002'],
    },
    page: { path: '/', url: `${ORIGIN}/` },
  },
  integrations: { All: true },
  ...extra,
});

describe("RudderStack's browser wire", () => {
  it('serves the source configuration the SDK loads at start: enabled, no destination, its own reporting off', async () => {
    const { app } = await rudderShop();
    const res = await app.request(
      `/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=${KEY}&lockIntegrationsVersion=true`,
      { headers: { Origin: ORIGIN } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await res.json()).toMatchObject({
      source: {
        id: 'shop',
        enabled: true,
        config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
        destinations: [],
      },
    });
    expect((await app.request(`/sourceConfig?writeKey=${KEY}`)).status).toBe(200);
  });

  it('answers an unknown write key on the source configuration with 401, readable by the page', async () => {
    const { app } = await rudderShop();
    const res = await app.request('/sourceConfig/?writeKey=nope', { headers: { Origin: ORIGIN } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unauthorized', message: expect.any(String) });
  });

  it('answers the preflight for its JSON posts with the AnonymousId header', async () => {
    const { app } = await rudderShop();
    const res = await app.request('/v1/page', {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'anonymousid,authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('anonymousid');
  });

  it('stores a beacon batch posted to /beacon/v1/batch with the write key in the query, taking userId "" as absent and originalTimestamp as the client time', async () => {
    const { app, eventsOf } = await rudderShop();
    const res = await app.request(`/beacon/v1/batch?writeKey=${KEY}`, {
      method: 'POST',
      headers: { Origin: ORIGIN, 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({
        batch: [wire('page', 'rs-b1', true), wire('track', 'rs-b2', true, { event: 'Viewed' })],
        sentAt: '2026-06-01T11:59:00.100Z',
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 2, rejected: [] });
    const stored = await eventsOf('anonymous', 'rs-anon');
    expect(stored.map((e) => e.messageId).sort()).toEqual(['rs-b1', 'rs-b2']);
    expect(stored[0]).not.toHaveProperty('userId');
    // Its client time, corrected by the skew between its sentAt and the arrival, as for Segment's timestamp.
    expect(stored[0]).toMatchObject({
      originalTimestamp: '2026-06-01T11:59:00.000Z',
      timestamp: '2026-06-01T11:59:59.900Z',
    });
  });

  it('refuses a beacon with an unknown write key (401) and a browser event whose consent denies analytics (no_consent)', async () => {
    const { app, eventsOf } = await rudderShop();
    const beacon = (writeKey: string, granted: boolean) =>
      app.request(`/beacon/v1/batch?writeKey=${writeKey}`, {
        method: 'POST',
        headers: { Origin: ORIGIN, 'Content-Type': 'text/plain' },
        body: JSON.stringify({ batch: [wire('track', `rs-${writeKey}-${granted}`, granted, { event: 'Viewed' })] }),
      });
    expect((await beacon('nope', true)).status).toBe(401);
    expect(await (await beacon(KEY, false)).json()).toMatchObject({
      ok: true,
      accepted: 0,
      rejected: [{ index: 0, reason: 'no_consent' }],
    });
    expect(await eventsOf('anonymous', 'rs-anon')).toEqual([]);
  });
});
