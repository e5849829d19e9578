import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createAudienceEngine } from '../audiences/engine.ts';
import { devConfig, parseConfig } from '../config.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';

const ADMIN = 'console-admin-token';
const VIEWER = 'console-viewer-token';
const KEY = 'shop-key';
const ORIGIN = 'http://localhost';

/** A real app on in-memory SQLite, with a clock the test moves and the client address from a header. */
async function consoleApp(extra: Record<string, unknown> = {}, shop: Record<string, unknown> = {}) {
  let now = Date.parse('2026-06-01T12:00:00.000Z');
  const storage = createSqliteStorage({ path: ':memory:' });
  await storage.migrate();
  const config = parseConfig({
    sites: [...devConfig().sites, { id: 'shop', writeKey: KEY, origins: ['https://shop.example'], ...shop }],
    ...extra,
  });
  // Audiences, stages and computed traits are evaluated only when the shop defines some.
  const audiences =
    'audiences' in shop ? createAudienceEngine({ storage, config, clock: () => new Date(now) }) : undefined;
  const app = createApp({
    storage,
    config,
    adminToken: ADMIN,
    viewerToken: VIEWER,
    secret: 'console-test-secret',
    sdkScript: '',
    sdkBanner: '',
    clock: () => new Date(now),
    clientInfo: (c) => ({ address: c.req.header('x-test-address') ?? '192.0.2.1' }),
    ...(audiences ? { audiences } : {}),
  });
  const ingest = async (batch: unknown[]) => {
    const res = await app.request('/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${KEY}:`)}` },
      body: JSON.stringify({ batch }),
    });
    await audiences?.settled();
    return res;
  };
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const signIn = async (token: string, headers: Record<string, string> = {}) => {
    const res = await form('/console/signin', { token }, headers);
    const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
    return { res, cookie };
  };
  const get = (path: string, cookie: string) => app.request(path, { headers: { Cookie: cookie } });
  const liveEntries = async (path: string, cookie: string) =>
    ((await (await get(path, cookie)).json()) as { entries: Record<string, unknown>[] }).entries;
  /** The CSRF token of a signed-in page. */
  const csrfOf = async (cookie: string) =>
    (await (await get('/console?site=shop', cookie)).text()).match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
  return { app, storage, ingest, form, signIn, get, liveEntries, csrfOf, advance: (ms: number) => (now += ms) };
}

const consented = {
  consent: { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: false } },
};
const login = (messageId: string, anonymousId: string, userId: string, traits: Record<string, unknown> = {}) => ({
  type: 'identify',
  messageId,
  anonymousId,
  userId,
  traits,
  timestamp: '2026-06-01T11:59:00.000Z',
  context: consented,
});

describe('console sign-in', () => {
  it('shows only the sign-in page without a session, and no data', async () => {
    const t = await consoleApp();
    await t.ingest([login('m1', 'anon-1', 'customer-1', { email: 'ada@example.com' })]);
    for (const path of [
      '/console',
      '/console/person/user/customer-1?site=shop',
      '/console/live',
      '/console/overview',
      '/console/figures',
      '/console/destinations',
    ]) {
      const res = await t.app.request(path);
      expect(res.status, path).toBe(401);
      const body = await res.text();
      expect(body).toContain('type="password"');
      expect(body).not.toContain('ada@example.com');
    }
    const live = await t.app.request('/console/live/events?site=shop');
    expect(live.status).toBe(401);
    expect(await live.json()).toMatchObject({ ok: false, error: 'unauthorized' });
  });

  it('signs in with the admin token: an HttpOnly, SameSite=Strict, expiring cookie, Secure on https', async () => {
    const t = await consoleApp();
    const { res, cookie } = await t.signIn(ADMIN);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console');
    expect(res.headers.get('set-cookie')).toMatch(
      /^kith_console=[^;]+; Max-Age=28800; Path=\/console; HttpOnly; SameSite=Strict$/,
    );
    expect((await t.get('/console', cookie)).status).toBe(200);

    const https = await t.app.request('https://localhost/console/signin', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://localhost' },
      body: `token=${ADMIN}`,
    });
    expect(https.headers.get('set-cookie')).toContain('; Secure');
  });

  it('ends the session when it expires, and on sign-out even for a copy of the cookie', async () => {
    const t = await consoleApp();
    const { cookie } = await t.signIn(ADMIN);
    t.advance(8 * 60 * 60 * 1000 + 1000);
    expect((await t.get('/console', cookie)).status).toBe(401);

    const second = await t.signIn(ADMIN);
    const out = await t.form('/console/signout', { csrf: await t.csrfOf(second.cookie) }, { Cookie: second.cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^kith_console=; Max-Age=0/);
    expect((await t.get('/console', second.cookie)).status).toBe(401);
  });

  it('refuses a wrong or forged cookie, and gives every sign-in a new session (no fixation)', async () => {
    const t = await consoleApp();
    const planted =
      'kith_console=admin.9999999999.AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect((await t.get('/console', planted)).status).toBe(401);
    const first = await t.signIn(ADMIN, { Cookie: planted });
    const second = await t.signIn(ADMIN, { Cookie: first.cookie });
    expect(first.cookie).not.toBe(planted);
    expect(second.cookie).not.toBe(first.cookie);
    // A viewer's cookie turned into an admin's breaks the signature.
    const viewer = await t.signIn(VIEWER);
    expect((await t.get('/console', viewer.cookie.replace('=viewer.', '=admin.'))).status).toBe(401);
  });

  it('limits failed sign-ins per address, with Retry-After, while other addresses may still sign in', async () => {
    const t = await consoleApp();
    for (let i = 0; i < 5; i++) expect((await t.signIn('wrong')).res.status).toBe(401);
    const blocked = await t.signIn(ADMIN);
    expect(blocked.res.status).toBe(429);
    expect(Number(blocked.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.cookie).toBe('');
    expect((await t.signIn(ADMIN, { 'X-Test-Address': '198.51.100.7' })).res.status).toBe(303);
    t.advance(15 * 60 * 1000);
    expect((await t.signIn(ADMIN)).res.status).toBe(303);
  });
});

describe('console actions', () => {
  it('erases only with the CSRF token, from its own origin, after the ID is typed', async () => {
    const t = await consoleApp();
    await t.ingest([login('m1', 'anon-1', 'customer-1')]);
    const { cookie } = await t.signIn(ADMIN);
    const csrf = await t.csrfOf(cookie);
    const erase = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      t.form('/console/person/user/customer-1/erase?site=shop', fields, { Cookie: cookie, ...headers });

    expect((await erase({ confirm: 'customer-1' })).status).toBe(403);
    expect((await erase({ confirm: 'customer-1', csrf: 'forged' })).status).toBe(403);
    expect((await erase({ confirm: 'customer-1', csrf }, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await erase({ confirm: 'customer-1', csrf }, { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await erase({ confirm: 'customer', csrf })).status).toBe(400);
    expect(await t.storage.person('shop', { kind: 'user', id: 'customer-1' })).not.toBeNull();

    const done = await erase({ confirm: 'customer-1', csrf });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Person erased');
    expect(await t.storage.person('shop', { kind: 'user', id: 'customer-1' })).toBeNull();
    expect((await t.get('/console/person/user/customer-1?site=shop', cookie)).status).toBe(404);
  });

  it('lets the viewer token see a person but neither export nor erase', async () => {
    const t = await consoleApp();
    await t.ingest([login('m1', 'anon-1', 'customer-1', { email: 'ada@example.com' })]);
    const { cookie } = await t.signIn(VIEWER);
    const page = await t.get('/console/person/user/customer-1?site=shop', cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('ada@example.com');
    expect(html).not.toContain('/erase');
    const csrf = await t.csrfOf(cookie);
    for (const action of ['export', 'erase']) {
      const res = await t.form(
        `/console/person/user/customer-1/${action}?site=shop`,
        { csrf, confirm: 'customer-1' },
        { Cookie: cookie },
      );
      expect(res.status, action).toBe(403);
    }
    expect(await t.storage.person('shop', { kind: 'user', id: 'customer-1' })).not.toBeNull();
  });

  it('exports the person as a JSON download for the admin', async () => {
    const t = await consoleApp();
    await t.ingest([login('m1', 'anon-1', 'customer-1')]);
    const { cookie } = await t.signIn(ADMIN);
    const res = await t.form(
      '/console/person/anonymous/anon-1/export?site=shop',
      { csrf: await t.csrfOf(cookie) },
      { Cookie: cookie },
    );
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="kith-export-2026-06-01\.json"$/);
    expect(await res.json()).toMatchObject({ ok: true, person: { userIds: ['customer-1'], anonymousIds: ['anon-1'] } });
  });

  it('finds a person by e-mail and by how an ID starts, and lists recent persons', async () => {
    const t = await consoleApp();
    await t.ingest([login('m1', 'anon-1', 'customer-1042', { email: 'Ada@Example.com' })]);
    const { cookie } = await t.signIn(ADMIN);
    const byEmail = await (await t.get('/console?site=shop&q=ada%40example.com', cookie)).text();
    expect(byEmail).toContain('href="/console/person/user/customer-1042?site=shop"');
    expect(await (await t.get('/console?site=shop&q=customer-10', cookie)).text()).toContain('customer-1042');
    expect(await (await t.get('/console?site=shop&q=nobody', cookie)).text()).toContain('Nobody matches');
    expect(await (await t.get('/console?site=shop', cookie)).text()).toContain('Recent persons');
  });
});

describe('console person standing', () => {
  const order = (messageId: string, timestamp: string, revenue: number) => ({
    type: 'track',
    messageId,
    anonymousId: 'anon-1',
    userId: 'customer-1',
    event: 'Order Completed',
    properties: { revenue },
    timestamp,
    context: consented,
  });

  it('shows the journey stage, audiences and computed traits as announced, escaped', async () => {
    const t = await consoleApp(
      {},
      {
        traits: [
          { key: 'lifetime_revenue', definition: "event('Order Completed').sum(property('revenue'))" },
          { key: 'favourite_category', definition: "event('Product Viewed').mode(property('category'), 1)" },
        ],
        audiences: [
          { key: 'repeat_buyers', definition: "event('Order Completed').count() >= 2" },
          { key: 'big_spenders', definition: "trait('lifetime_revenue') > 1000" },
        ],
        stages: 'default',
      },
    );
    await t.ingest([
      login('m1', 'anon-1', 'customer-1'),
      {
        type: 'track',
        messageId: 'v1',
        anonymousId: 'anon-1',
        event: 'Product Viewed',
        properties: { category: '<img src=x onerror=alert(1)>' },
        timestamp: '2026-06-01T10:00:00.000Z',
        context: consented,
      },
      order('o1', '2026-06-01T11:00:00.000Z', 30),
      order('o2', '2026-06-01T11:30:00.000Z', 12.5),
    ]);
    const { cookie } = await t.signIn(VIEWER);
    const page = await (await t.get('/console/person/user/customer-1?site=shop', cookie)).text();
    const standing = page.slice(page.indexOf('id="standing-h"'), page.indexOf('id="traits-h"'));
    expect(standing).toMatch(/<dt>Journey stage<\/dt><dd>[a-z_]+<\/dd>/);
    expect(standing).toContain('<li>repeat_buyers</li>');
    expect(standing).not.toContain('big_spenders');
    expect(standing).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(standing).not.toContain('<img');
    expect(standing).toContain('<dt>lifetime_revenue</dt><dd>42.5</dd>');
    expect(standing).toContain('No predicted scores');
  });

  it('shows predicted scores with the data window, customer count and holdout check of their fit', async () => {
    const t = await consoleApp();
    await t.ingest([login('m1', 'anon-1', 'customer-1')]);
    await t.storage.savePredictions('shop', '2026-05-31T02:00:00.000Z', {
      customers: 412,
      repeatCustomers: 120,
      window: { from: '2025-06-01', calibrationEnd: '2026-02-01', to: '2026-05-30' },
      holdout: { weeks: 17, predicted: 88.04, actual: 95, relativeError: -0.0733 },
    });
    await t.storage.write({
      events: [],
      consents: [],
      rejected: [],
      traits: [
        {
          site: 'shop',
          node: { kind: 'user', id: 'customer-1' },
          traits: { p_alive: 0.8731, expected_purchases_90d: 1.204, predicted_ltv_365d: 96.5, likely_to_churn: false },
          at: '2026-05-31T02:00:00.000Z',
        },
      ],
    });
    const { cookie } = await t.signIn(ADMIN);
    const page = await (await t.get('/console/person/user/customer-1?site=shop', cookie)).text();
    expect(page).toContain('<dt>Probability still active</dt><dd>0.8731</dd>');
    expect(page).toContain('<dt>Likely to churn</dt><dd>false</dd>');
    expect(page).toContain(
      "Fitted 2026-05-31 02:00:00 on 412 customers' orders from 2025-06-01 to 2026-02-01; checked on the 17 weeks to 2026-05-30: 88 repeat purchases predicted, 95 made (-7% off).",
    );
  });
});

describe('console figures', () => {
  it('shows conversion, revenue, order value, repeat purchases, retention cohorts and consent rates for the period', async () => {
    const t = await consoleApp();
    const visit = (messageId: string, anonymousId: string, event: string, timestamp: string, revenue?: number) => ({
      type: 'track',
      messageId,
      anonymousId,
      event,
      ...(revenue === undefined ? {} : { properties: { revenue } }),
      timestamp,
    });
    await t.ingest([
      visit('v1', 'a1', 'Product Viewed', '2026-05-20T10:00:00.000Z'),
      visit('v2', 'a1', 'Order Completed', '2026-05-20T10:05:00.000Z', 40),
      visit('v3', 'a1', 'Order Completed', '2026-05-22T10:05:00.000Z', 20),
      visit('v4', 'a2', 'Product Viewed', '2026-05-21T10:00:00.000Z'),
      visit('v5', 'a3', '<script>alert(1)</script>', '2026-05-21T10:00:00.000Z'),
      visit('v6', 'a4', 'Order Completed', '2026-05-21T10:00:00.000Z', 30),
    ]);
    const { cookie } = await t.signIn(VIEWER);
    const res = await t.get('/console/figures?site=shop&from=2026-05-01&to=2026-05-31', cookie);
    expect(res.status).toBe(200);
    const page = await res.text();
    const figure = (name: string) => page.match(new RegExp(`<dt>${name}</dt><dd>([^<]*)</dd>`))?.[1];
    expect(figure('Visitors')).toBe('4');
    expect(figure('Conversion')).toBe('50%');
    expect(figure('Orders')).toBe('3');
    expect(figure('Revenue')).toBe('90.00');
    expect(figure('Average order value')).toBe('30.00');
    expect(figure('Repeat purchase rate')).toBe('50%');
    expect(page).toContain('<th scope="row">2026-05</th><td>2</td><td class="heat-4">100%</td>');
    expect(page).not.toContain('<script>alert');
    const elsewhen = await (await t.get('/console/figures?site=shop&from=2026-04-01&to=2026-04-30', cookie)).text();
    expect(elsewhen).toContain('<dt>Visitors</dt><dd>0</dd>');
    expect(elsewhen).toContain('No orders in this period.');
  });
});

describe('console live events', () => {
  it('holds accepted events, and refused ones with their reason but none of their content', async () => {
    const t = await consoleApp();
    const { cookie } = await t.signIn(ADMIN);
    await t.ingest([
      { type: 'track', messageId: 'ok', anonymousId: 'anon-1', event: 'Product Added', context: consented },
      {
        type: 'track',
        messageId: 'no',
        anonymousId: 'anon-2',
        event: 'Secret Thing',
        properties: { card: '4111-secret' },
        context: { consent: { policyVersion: '1', categories: { analytics: false } } },
      },
    ]);
    const res = await t.get('/console/live/events?site=shop&after=0', cookie);
    const body = await res.text();
    expect(JSON.parse(body).entries).toEqual([
      expect.objectContaining({
        seq: 1,
        status: 'accepted',
        type: 'track',
        name: 'Product Added',
        anonymousId: 'anon-1',
      }),
      {
        seq: 2,
        status: 'refused',
        type: 'track',
        reason: 'no_consent',
        message: expect.any(String),
        receivedAt: expect.any(String),
      },
    ]);
    for (const kept of ['anon-2', 'Secret Thing', '4111-secret']) expect(body).not.toContain(kept);
    expect(await t.liveEntries('/console/live/events?site=shop&after=1', cookie)).toHaveLength(1);
    expect(await t.liveEntries('/console/live/events?site=dev&after=0', cookie)).toEqual([]);
  });

  it('keeps the last 500 per site, and forgets an erased person at once', async () => {
    const t = await consoleApp();
    const { cookie } = await t.signIn(ADMIN);
    const batch = Array.from({ length: 520 }, (_, i) => ({
      type: 'track',
      messageId: `m${i}`,
      anonymousId: i === 519 ? 'anon-x' : 'anon-1',
      event: `E${i}`,
      context: consented,
    }));
    await t.ingest(batch);
    const entries = await t.liveEntries('/console/live/events?site=shop', cookie);
    expect(entries).toHaveLength(500);
    expect(entries[0]).toMatchObject({ seq: 21, name: 'E20' });
    await t.form(
      '/console/person/anonymous/anon-1/erase?site=shop',
      { csrf: await t.csrfOf(cookie), confirm: 'anon-1' },
      { Cookie: cookie },
    );
    expect(await t.liveEntries('/console/live/events?site=shop', cookie)).toEqual([
      expect.objectContaining({ anonymousId: 'anon-x' }),
    ]);
  });
});

describe('console pages and hostile data', () => {
  const HOSTILE = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    '\u202Egnp.exe',
    'x'.repeat(10_000),
  ];

  it('escapes what ingest wrote, on every page, under a CSP without unsafe-inline', async () => {
    const t = await consoleApp();
    const hostileIds = HOSTILE.slice(0, 4);
    await t.ingest(
      hostileIds.flatMap((value, i) => [
        login(`l${i}`, `anon-${value}`, `user-${value}`, { email: `${value}@example.com`, [value]: value }),
        {
          type: 'track',
          messageId: `t${i}`,
          anonymousId: `anon-${value}`,
          event: value,
          properties: { [value]: HOSTILE[4] },
          context: consented,
        },
      ]),
    );
    const { cookie } = await t.signIn(ADMIN);
    const pages = [
      '/console?site=shop',
      `/console?site=shop&q=${encodeURIComponent(HOSTILE[0]!)}`,
      '/console/live?site=shop',
      ...hostileIds.map((value) => `/console/person/user/${encodeURIComponent(`user-${value}`)}?site=shop`),
    ];
    for (const path of pages) {
      const res = await t.get(path, cookie);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      const body = await res.text();
      expect(body, path).not.toMatch(/<script>alert|<img src=x|onerror=alert\(1\)>|href="javascript:/);
      expect(body, path).not.toContain('\u202E');
      expect(body.length, path).toBeLessThan(200_000);
    }
  });
});

describe('console overview and destinations', () => {
  it('plots the period asked for, and says so when the dates cannot be used', async () => {
    const t = await consoleApp();
    await t.ingest([
      {
        type: 'track',
        messageId: 'e1',
        anonymousId: 'a1',
        event: 'Order Completed',
        timestamp: '2026-05-20T10:00:00.000Z',
      },
      {
        type: 'track',
        messageId: 'e2',
        anonymousId: 'a2',
        event: '<b>Hostile</b>',
        timestamp: '2026-05-21T10:00:00.000Z',
      },
    ]);
    const { cookie } = await t.signIn(ADMIN);
    const page = await (await t.get('/console/overview?site=shop&from=2026-05-20&to=2026-05-20', cookie)).text();
    expect(page).toContain('1 events from 2026-05-20 to 2026-05-20');
    expect(page).toContain('Order Completed');
    expect(page).not.toContain('Hostile');
    const defaulted = await (await t.get('/console/overview?site=shop', cookie)).text();
    expect(defaulted).toContain('2 events from 2026-05-03 to 2026-06-01');
    expect(defaulted).toContain('&lt;b&gt;Hostile&lt;/b&gt;');
    const bad = await t.get('/console/overview?site=shop&from=2026-06-01&to=2025-01-01', cookie);
    expect(bad.status).toBe(200);
    expect(await bad.text()).toContain('showing the last 30 days');
  });

  it('shows each destination’s lag and dead letters with the last error, and replays them for the admin only', async () => {
    const t = await consoleApp({
      forward: { webhooks: [{ id: 'hook', url: 'http://127.0.0.1:1/kith', secret: 'webhook-secret-0123456789' }] },
    });
    await t.ingest([
      { type: 'track', messageId: 'e1', anonymousId: 'a1', event: 'Order Completed' },
      { type: 'track', messageId: 'e2', anonymousId: 'a1', event: 'Viewed' },
    ]);
    expect(await t.storage.claimForwarding('webhook:hook', 'test', 60_000)).toBe(true);
    const first = await t.storage.pending('webhook:hook', 1);
    await t.storage.deadLetter('webhook:hook', 'test', first, {
      error: 'HTTP 500 <script>x</script>',
      attempts: 3,
      at: '2026-06-01T11:00:00.000Z',
    });

    const viewer = await t.signIn(VIEWER);
    const seen = await (await t.get('/console/destinations', viewer.cookie)).text();
    expect(seen).toMatch(/webhook:hook<\/td><td>1<\/td><td>1<\/td>/);
    expect(seen).toContain('2026-06-01 11:00:00: HTTP 500 &lt;script&gt;x&lt;/script&gt;');
    expect(seen).toContain('admin only');
    const refused = await t.form(
      '/console/destinations/replay',
      { csrf: await t.csrfOf(viewer.cookie), destination: 'webhook:hook' },
      { Cookie: viewer.cookie },
    );
    expect(refused.status).toBe(403);

    const { cookie } = await t.signIn(ADMIN);
    const replayed = await t.form(
      '/console/destinations/replay',
      { csrf: await t.csrfOf(cookie), destination: 'webhook:hook' },
      { Cookie: cookie },
    );
    expect(replayed.status).toBe(200);
    expect(await replayed.text()).toContain('failed again');
    expect(await t.storage.deadLetters('webhook:hook', 10)).toHaveLength(1);
  });
});
