import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { signLinker } from '../identity/linker-token.ts';
import { devConfig } from '../config.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';
import { ADMIN_TOKEN, SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

const consented = { consent: { policyVersion: '1', categories: { necessary: true, analytics: true } } };
const refused = { consent: { policyVersion: '1', categories: { necessary: true, analytics: false } } };
const identify = (
  messageId: string,
  anonymousId: string,
  userId: string,
  traits: Record<string, unknown>,
  context: object = consented,
) => ({ type: 'identify', messageId, anonymousId, userId, traits, context, timestamp: '2026-06-01T11:59:00.000Z' });

describe('the quarantine', () => {
  it('keeps nothing of an event refused for lack of consent but that it happened', async () => {
    const { post, basic, storage, admin } = await testApp();
    const res = await post(
      '/v1/batch',
      {
        batch: [
          identify('i1', 'anon-nc', 'user-nc', { email: 'nc@example.com' }, refused),
          trackEvent('t1', { anonymousId: 'anon-nc', context: refused }),
        ],
      },
      basic(SHOP_KEY),
    );
    expect(await res.json()).toMatchObject({
      accepted: 0,
      rejected: [
        { index: 0, reason: 'no_consent' },
        { index: 1, reason: 'no_consent' },
      ],
    });

    const kept = await storage.rejected('shop', 10);
    expect(kept).toEqual([
      {
        site: 'shop',
        receivedAt: '2026-06-01T12:00:00.000Z',
        reason: 'no_consent',
        message: expect.any(String),
        payload: '{"count":2}',
      },
    ]);
    for (const path of ['/v1/persons/user/user-nc/export?site=shop', '/v1/persons/anonymous/anon-nc/export?site=shop'])
      expect((await admin(path)).status).toBe(404);
  });

  it('hands a person their quarantined events in the export and erases them, matched by exact ID', async () => {
    const { post, basic, admin, app, storage } = await testApp();
    // The anonymous ID "track" appears as text in every other visitor's payload.
    await post(
      '/v1/batch',
      {
        batch: [
          { type: 'track', anonymousId: 'track', messageId: 'q1', context: consented },
          { type: 'track', anonymousId: 'visitor-2', messageId: 'q2', event: '' },
        ],
      },
      basic(SHOP_KEY),
    );
    await post(
      '/v1/batch',
      { batch: [{ type: 'track', anonymousId: 'visitor-3', event: 'track', properties: 7 }] },
      basic(SHOP_KEY),
    );

    const exported = (await (await admin('/v1/persons/anonymous/track/export?site=shop')).json()) as {
      rejected: unknown[];
    };
    expect(exported.rejected).toEqual([
      expect.objectContaining({
        reason: 'missing_event',
        anonymousId: 'track',
        payload: expect.stringContaining('"q1"'),
      }),
    ]);

    const erased = await app.request('/v1/persons/anonymous/track?site=shop', {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await erased.json()).toMatchObject({ receipt: { erased: { rejected: 1 } } });
    expect((await storage.rejected('shop', 10)).map((r) => r.anonymousId).sort()).toEqual(['visitor-2', 'visitor-3']);
  });
});

describe('persons that share an anonymous ID', () => {
  it('keeps the second user’s identify, e-mail and events out of the first user’s export and erasure', async () => {
    const { post, basic, admin, app } = await testApp();
    await post('/v1/batch', { batch: [identify('m1', 'A', 'mallory', { name: 'Mallory' })] }, basic(SHOP_KEY));
    await post(
      '/v1/batch',
      {
        batch: [
          identify('b1', 'A', 'bob', { email: 'bob@example.com' }),
          trackEvent('b2', { anonymousId: 'A', userId: 'bob', context: consented }),
        ],
      },
      basic(SHOP_KEY),
    );

    const mallory = JSON.stringify(await (await admin('/v1/persons/user/mallory/export?site=shop')).json());
    expect(mallory).toContain('Mallory');
    expect(mallory).not.toMatch(/bob|"b1"|"b2"/);

    await app.request('/v1/persons/user/mallory?site=shop', {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const bob = (await (await admin('/v1/persons/user/bob?site=shop')).json()) as { person: unknown };
    expect(bob.person).toMatchObject({ eventCount: 2, traits: { email: 'bob@example.com' } });
  });
});

describe('traits with the names of Object.prototype', () => {
  it('shows a __proto__ or constructor trait in the person and the export like any other', async () => {
    const { post, basic, admin } = await testApp();
    const body = `{"batch":[{"type":"identify","messageId":"p1","anonymousId":"anon-p","userId":"user-p","traits":{"__proto__":{"polluted":true},"constructor":"c","plan":"pro"}}]}`;
    expect(await (await post('/v1/batch', body, basic(SHOP_KEY))).json()).toMatchObject({ accepted: 1 });
    const { person } = (await (await admin('/v1/persons/user/user-p?site=shop')).json()) as {
      person: { traits: object };
    };
    expect(Object.keys(person.traits).sort()).toEqual(['__proto__', 'constructor', 'plan']);
    const exported = await (await admin('/v1/persons/user/user-p/export?site=shop')).text();
    expect(exported).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('what a client sends never makes a 500', () => {
  it('quarantines an array nested 5,000 deep and keeps the good events of the batch', async () => {
    const { post, basic, storage } = await testApp();
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const res = await post(
      '/v1/batch',
      `{"batch":[${deep},${JSON.stringify(trackEvent('fine'))},{"type":"track","event":"x","anonymousId":"anon-1","properties":{"a":${deep}}}]}`,
      basic(SHOP_KEY),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, reason: 'not_an_object' },
        { index: 2, reason: 'event_too_deep' },
      ],
    });
    expect((await storage.rejected('shop', 10)).map((r) => r.payload)).toEqual([
      '"(not kept: nested too deep to serialize)"',
      '"(not kept: nested too deep to serialize)"',
    ]);
  });

  it.each([
    [
      'a timestamp at the first representable day, sent an hour ahead',
      '-271821-04-20T00:00:00.000Z',
      '2026-06-01T13:00:00.000Z',
    ],
    ['a sentAt at the last representable day', '1000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z'],
    ['a timestamp at the last day, sentAt at the first', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z'],
    ['a year-one timestamp with a far-future sentAt', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'],
  ])('keeps the good events beside %s', async (_name, timestamp, sentAt) => {
    const { post, basic, storage } = await testApp();
    const res = await post(
      '/v1/batch',
      { batch: [trackEvent('odd', { timestamp }), trackEvent('good')], sentAt },
      basic(SHOP_KEY),
    );
    expect(res.status).toBe(200);
    const { accepted } = (await res.json()) as { accepted: number };
    expect(accepted).toBeGreaterThanOrEqual(1);
    const stored = (await storage.events({ site: 'shop', userIds: [], anonymousIds: ['anon-1'], limit: 10 })).events;
    expect(stored.map((e) => e.messageId)).toContain('good');
    for (const e of stored) expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
  });
});

describe('erasure on a running collector’s SQLite file', () => {
  it('leaves no erased value in kith.db, -wal or -shm right after DELETE answers, while it keeps taking events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-erase-'));
    const path = join(dir, 'kith.db');
    const storage = createSqliteStorage({ path });
    onTestFinished(async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await storage.migrate();
    const app = createApp({ storage, config: devConfig(), adminToken: ADMIN_TOKEN, sdkScript: '', sdkBanner: '' });
    const send = (batch: unknown[]) =>
      app.request('/v1/batch', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: 'http://localhost:3000' },
        body: JSON.stringify({ writeKey: 'dev', batch }),
      });
    const values = ['erasable-user-7q', 'erasable-anon-7q', 'erasable@mail.example', 'Erasable Name 7q'];
    const [userId, anonymousId, email, name] = values as [string, string, string, string];
    for (let i = 0; i < 30; i++) {
      const res = await send([
        { type: 'page', messageId: `p${i}`, anonymousId, context: consented },
        { ...identify(`i${i}`, anonymousId, userId, { email, name, visit: i }), timestamp: undefined },
        {
          type: 'track',
          messageId: `bad${i}`,
          anonymousId,
          userId,
          event: '',
          properties: { email },
          context: consented,
        },
        { type: 'page', messageId: `o${i}`, anonymousId: 'bystander', context: consented },
      ]);
      expect(res.status).toBe(200);
    }
    const files = () =>
      ['', '-wal', '-shm']
        .map((suffix) => path + suffix)
        .filter(existsSync)
        .map((file) => readFileSync(file).toString('latin1'))
        .join('');
    expect(files()).toContain(email);

    const erased = await app.request(`/v1/persons/user/${userId}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(erased.status).toBe(200);
    const left = files();
    for (const value of values) expect(left.includes(value), `${value} is still on disk`).toBe(false);

    expect(
      (await send([{ type: 'page', messageId: 'after', anonymousId: 'bystander', context: consented }])).status,
    ).toBe(200);
    expect((await storage.eventSummary({ site: 'dev', userIds: [], anonymousIds: ['bystander'] })).eventCount).toBe(31);
    // Thirty batches and an erasure with its checkpoint on a real file: give a loaded machine time.
  }, 30_000);
});

describe('promises a mutation run found untested', () => {
  it('refuses a token issued for another site of the same collector (same secret) as linker_forged, and links nothing', async () => {
    const { post, admin } = await testApp();
    const now = Date.parse('2026-06-01T12:00:00.000Z');
    const forDev = await signLinker(
      { site: 'dev', anonymousId: 'a-dev', target: 'shop-b.example', expires: now + 60_000, nonce: 'n-dev' },
      'test-secret',
    );
    const res = await post(
      '/v1/linker/redeem',
      { writeKey: SHOP_KEY, token: forDev, anonymousId: 'a-shop' },
      { Origin: 'https://shop-b.example' },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'linker_forged' });
    for (const id of ['a-shop', 'a-dev'])
      expect((await admin(`/v1/persons/anonymous/${id}?site=shop`)).status).toBe(404);
  });
});
