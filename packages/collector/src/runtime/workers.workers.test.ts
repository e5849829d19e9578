/// <reference types="@cloudflare/vitest-plugin/types" />
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createD1Storage } from '../storage/d1/index.ts';
import { FORWARD_CRON, RETENTION_CRON } from './crons.ts';
import worker, { type WorkersEnv } from './workers.ts';

const SHOP_KEY = 'shop-key';
const ADMIN_TOKEN = 'test-admin-token';
/** As in vitest.workers.config.ts, whose receiver checks the signatures. */
const WEBHOOK_SECRET = 'worker-webhook-secret-0123456789';

// The env the Worker gets from wrangler.toml and vitest.workers.config.ts, plus a site of our own.
const testEnv: WorkersEnv = {
  ...(env as unknown as WorkersEnv),
  KITH_CONFIG: JSON.stringify({
    sites: [
      {
        id: 'shop',
        writeKey: SHOP_KEY,
        origins: ['https://shop.example', 'https://shop-b.example'],
        linkerDomains: ['shop-b.example'],
      },
    ],
    retentionDays: 30,
    forward: {
      webhooks: [{ id: 'crm', url: 'https://hooks.example/kith', secret: WEBHOOK_SECRET, maxAttempts: 5 }],
      batchSize: 50,
      retry: { initialMs: 10, maxMs: 50 },
    },
  }),
  KITH_SECRET: 'worker-test-secret',
};

/** What the webhook receiver in Node was sent (see test/support/webhook-outbound.ts). */
interface Received {
  url: string;
  status: number;
  signed: boolean;
  messageIds: string[];
}
const receiver = (env as unknown as { WEBHOOK_RECEIVER: { fetch(url: string, init?: RequestInit): Promise<Response> } })
  .WEBHOOK_RECEIVER;
const received = async () => (await (await receiver.fetch('http://receiver/requests')).json()) as Received[];

/** One run of a cron trigger, to its end: by default the forwarding one. */
async function cronRun(cron = FORWARD_CRON) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron }), testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

interface EdgeRequest extends RequestInit {
  cf?: Record<string, unknown>;
}

/** A request as Cloudflare's edge hands it to the Worker. */
const call = (path: string, init: EdgeRequest = {}) =>
  worker.fetch(new Request(`https://shop.example${path}`, init as RequestInit), testEnv, createExecutionContext());

const postBatch = (body: unknown, init: EdgeRequest = {}) =>
  call('/v1/batch', {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
    headers: { 'Content-Type': 'text/plain', Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}`, ...init.headers },
  });

const admin = (path: string) => call(path, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

const track = (messageId: string, anonymousId: string) => ({
  type: 'track',
  messageId,
  anonymousId,
  event: 'Product Added',
  properties: { sku: 'kith-mug', price: 12 },
  timestamp: new Date().toISOString(),
});

async function sha256Hex(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(value)));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

describe('the Worker', () => {
  it('answers /healthz', async () => {
    const res = await call('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('serves the embedded SDK bundle at /kith.js with an ETag, and 304 for a matching If-None-Match', async () => {
    const res = await call('/kith.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const source = await res.text();
    expect(source.length).toBeGreaterThan(1000);
    expect(source).toContain('window.kith');

    const again = await call('/kith.js', { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
  });

  it('stores a batch in D1, readable through the admin API, with the address and geo the edge saw', async () => {
    const anonymousId = `anon-${crypto.randomUUID()}`;
    const res = await postBatch(
      { batch: [track('w1', anonymousId), track('w2', anonymousId)], sentAt: new Date().toISOString() },
      {
        headers: { 'CF-Connecting-IP': '198.51.100.77' },
        cf: { country: 'DE', region: 'Bavaria', city: 'Munich', colo: 'MUC' },
      },
    );
    expect(await res.json()).toEqual({ ok: true, accepted: 2, rejected: [] });

    const page = (await (await admin(`/v1/persons/anonymous/${anonymousId}/events`)).json()) as {
      events: { messageId: string }[];
    };
    expect(page.events.map((e) => e.messageId).sort()).toEqual(['w1', 'w2']);
    expect(page.events[0]).toMatchObject({
      site: 'shop',
      context: { ip: '198.51.100.0', location: { country: 'DE', region: 'Bavaria', city: 'Munich' } },
    });
  });

  it('keeps a consent in the consent log with its banner text, as the export shows', async () => {
    const anonymousId = `anon-${crypto.randomUUID()}`;
    const bannerText = {
      title: 'Cookies',
      body: 'We would like to measure visits.',
      accept: 'Accept all',
      reject: 'Reject all',
    };
    const bannerTextHash = await sha256Hex(bannerText);
    const consent = {
      type: 'consent',
      messageId: 'c1',
      anonymousId,
      timestamp: new Date().toISOString(),
      properties: {
        policyVersion: '3',
        categories: { necessary: true, analytics: true, marketing: false },
        method: 'accept-all',
        locale: 'de-DE',
        bannerText,
        bannerTextHash,
      },
    };
    expect(await (await postBatch({ batch: [consent] })).json()).toEqual({ ok: true, accepted: 1, rejected: [] });

    const exported = await (await admin(`/v1/persons/anonymous/${anonymousId}/export`)).json();
    expect(exported).toMatchObject({
      ok: true,
      events: [],
      consents: [
        {
          messageId: 'c1',
          anonymousId,
          consent: { policyVersion: '3', method: 'accept-all', bannerTextHash, categories: { analytics: true } },
        },
      ],
      bannerTexts: { [bannerTextHash]: bannerText },
    });
  });

  it('answers invalid JSON with 400 invalid_json', async () => {
    const res = await postBatch('{"batch": [');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_json' });
  });

  it('answers an unknown write key with 401 unauthorized', async () => {
    const res = await postBatch(
      { batch: [track('x1', 'anon-x')] },
      { headers: { Authorization: `Basic ${btoa('not-a-key:')}` } },
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unauthorized' });
  });

  it('keeps the admin API behind the bearer token', async () => {
    const res = await call('/v1/persons/anonymous/anon-x/events');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unauthorized' });
  });

  it('bridges a device and a login into one person in D1, restores a wiped script cookie, and erases the person', async () => {
    const consent = {
      consent: { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: false } },
    };
    const first = await postBatch({
      batch: [
        { ...track('w-1', 'w-anon'), context: consent },
        {
          type: 'identify',
          messageId: 'w-2',
          anonymousId: 'w-anon',
          userId: 'w-user',
          traits: { plan: 'pro' },
          context: consent,
        },
      ],
    });
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^kith_did=[0-9a-f-]{36}; Max-Age=34560000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);

    const restored = await postBatch(
      { batch: [{ ...track('w-3', 'w-fresh'), context: consent }], restore: 'w-fresh' },
      { headers: { Cookie: cookie.split(';')[0]! } },
    );
    expect(await restored.json()).toMatchObject({ ok: true, anonymousId: 'w-anon' });

    const person = (await (await admin('/v1/persons/user/w-user')).json()) as {
      person: { anonymousIds: string[]; deviceIds: string[]; eventCount: number; traits: unknown };
    };
    expect([...person.person.anonymousIds].sort()).toEqual(['w-anon', 'w-fresh']);
    expect(person.person).toMatchObject({ eventCount: 3, traits: { plan: 'pro' } });
    expect(person.person.deviceIds).toHaveLength(1);

    const erased = await call('/v1/persons/anonymous/w-fresh', {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await erased.json()).toMatchObject({ ok: true, receipt: { erased: { events: 3, ids: 4 } } });
    expect((await admin('/v1/persons/user/w-user')).status).toBe(404);
  });

  it('issues and redeems a linker token once', async () => {
    const post = (path: string, body: unknown, origin: string) =>
      call(path, {
        method: 'POST',
        body: JSON.stringify({ writeKey: SHOP_KEY, ...(body as object) }),
        headers: { 'Content-Type': 'text/plain', Origin: origin },
      });
    const { token } = (await (
      await post('/v1/linker', { anonymousId: 'from-a', target: 'shop-b.example' }, 'https://shop.example')
    ).json()) as { token: string };
    expect(
      await (await post('/v1/linker/redeem', { token, anonymousId: 'on-b' }, 'https://shop-b.example')).json(),
    ).toEqual({ ok: true, linkedTo: 'from-a' });
    const replay = await post('/v1/linker/redeem', { token, anonymousId: 'attacker' }, 'https://shop-b.example');
    expect(replay.status).toBe(409);
    const person = (await (await admin('/v1/persons/anonymous/on-b')).json()) as { person: { anonymousIds: string[] } };
    expect([...person.person.anonymousIds].sort()).toEqual(['from-a', 'on-b']);
  });

  it('forwards stored events to the webhook on its cron trigger, signed, each once, and again after the receiver was down', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `fw-${i}`);
    expect((await postBatch({ batch: ids.slice(0, 60).map((id) => track(id, 'fw-anon')) })).status).toBe(200);
    await cronRun();
    const ours = (requests: Received[]) =>
      requests
        .filter((r) => r.status < 300)
        .flatMap((r) => r.messageIds)
        .filter((id) => id.startsWith('fw-'));
    expect(ours(await received())).toEqual(ids.slice(0, 60));
    expect((await received()).every((r) => r.signed && r.url === 'https://hooks.example/kith')).toBe(true);

    // The receiver fails twice; the run tries again and delivers; a later run sends nothing twice.
    await receiver.fetch('http://receiver/answer?status=503&times=2', { method: 'POST' });
    expect((await postBatch({ batch: ids.slice(60).map((id) => track(id, 'fw-anon')) })).status).toBe(200);
    await cronRun();
    await cronRun();
    expect((await received()).filter((r) => r.status === 503)).toHaveLength(2);
    expect(ours(await received())).toEqual(ids);
  });

  it('deletes events stored longer ago than retentionDays on its hourly cron, and keeps the recent ones', async () => {
    const d1 = createD1Storage({ db: testEnv.DB });
    const longAgo = new Date(Date.now() - 40 * 24 * 60 * 60 * 1000).toISOString();
    await d1.write({
      events: [
        {
          type: 'page',
          messageId: 'ret-old',
          anonymousId: 'ret-anon',
          site: 'shop',
          timestamp: longAgo,
          receivedAt: longAgo,
        },
      ],
      consents: [],
      rejected: [],
    });
    expect((await postBatch({ batch: [track('ret-new', 'ret-anon')] })).status).toBe(200);
    const stored = async () =>
      (
        (await (await admin('/v1/persons/anonymous/ret-anon/events')).json()) as { events: { messageId: string }[] }
      ).events.map((e) => e.messageId);
    expect(await stored()).toEqual(['ret-new', 'ret-old']);
    await cronRun(RETENTION_CRON);
    expect(await stored()).toEqual(['ret-new']);
  });
});
