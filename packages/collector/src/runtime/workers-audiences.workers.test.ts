/// <reference types="@cloudflare/vitest-plugin/types" />
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createD1Storage } from '../storage/d1/index.ts';
import type { D1Database } from '../storage/d1/binding.ts';
import { FORWARD_CRON, RETENTION_CRON } from './crons.ts';
import worker, { type WorkersEnv } from './workers.ts';

// The audience engine on Workers: evaluated after a stored batch (ctx.waitUntil), time-based changes
// made by the cron triggers, exits on erasure forwarded and then deleted from D1.

const SHOP_KEY = 'shop-key';
const ADMIN_TOKEN = 'test-admin-token';
/** As in vitest.workers.config.ts, whose receiver checks the signatures. */
const WEBHOOK_SECRET = 'worker-webhook-secret-0123456789';
const DAY_MS = 24 * 3600 * 1000;

const testEnv: WorkersEnv = {
  ...(env as unknown as WorkersEnv),
  KITH_CONFIG: JSON.stringify({
    sites: [
      {
        id: 'shop',
        writeKey: SHOP_KEY,
        origins: ['https://shop.example'],
        audiences: [
          { key: 'repeat_buyers', definition: "event('Order Completed').count() >= 2" },
          {
            key: 'lapsed_customers',
            definition:
              "event('Order Completed').count() >= 1 AND event('Order Completed').within(60 days).count() = 0",
          },
        ],
        stages: 'default',
      },
    ],
    forward: {
      webhooks: [{ id: 'crm', url: 'https://hooks.example/kith', secret: WEBHOOK_SECRET, maxAttempts: 5 }],
      retry: { initialMs: 10, maxMs: 50 },
    },
  }),
  KITH_SECRET: 'worker-test-secret',
};

interface Received {
  status: number;
  signed: boolean;
  messageIds: string[];
}
const receiver = (env as unknown as { WEBHOOK_RECEIVER: { fetch(url: string, init?: RequestInit): Promise<Response> } })
  .WEBHOOK_RECEIVER;
const delivered = async () =>
  ((await (await receiver.fetch('http://receiver/requests')).json()) as Received[])
    .filter((r) => r.signed && r.status < 300)
    .flatMap((r) => r.messageIds);

async function cronRun(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron }), testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

const admin = async (path: string, method = 'GET') => {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://shop.example${path}`, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }),
    testEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
};

interface PersonView {
  audiences: string[];
  stage: string | null;
}
const personOf = async (userId: string) =>
  ((await (await admin(`/v1/persons/user/${userId}`)).json()) as { person: PersonView }).person;

const order = (messageId: string, userId: string) => ({
  type: 'track',
  messageId,
  userId,
  event: 'Order Completed',
  properties: { revenue: 20 },
  timestamp: new Date().toISOString(),
});

describe('audiences on Workers', () => {
  it('evaluates the persons of a stored batch after the answer, forwards the entries, and on erasure forwards the exits and deletes them', async () => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request('https://shop.example/v1/batch', {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}` },
        body: JSON.stringify({ batch: [order('w-o1', 'w-ada'), order('w-o2', 'w-ada')] }),
      }),
      testEnv,
      ctx,
    );
    expect(response.status).toBe(200);
    await waitOnExecutionContext(ctx);
    expect(await personOf('w-ada')).toMatchObject({ audiences: ['repeat_buyers'], stage: 'repeat_buyer' });

    const events = (
      (await (await admin('/v1/persons/user/w-ada/events?limit=100')).json()) as {
        events: { messageId: string; event?: string }[];
      }
    ).events;
    const entered = events.find((e) => e.event === 'Audience Entered')!;
    await cronRun(FORWARD_CRON);
    expect(await delivered()).toContain(entered.messageId);

    expect((await admin('/v1/persons/user/w-ada', 'DELETE')).status).toBe(200);
    const db = env as unknown as { DB: D1Database };
    const naming = async () =>
      (
        await db.DB.prepare(
          "select count(*) as n from events where 'w-ada' in (user_id, anonymous_id) or body like '%w-ada%'",
        ).all<{ n: number }>()
      ).results[0]!.n;
    // The exits (the audience and the stage) wait in D1 until the webhook has them.
    expect(await naming()).toBe(2);
    const before = (await delivered()).length;
    await cronRun(FORWARD_CRON);
    expect((await delivered()).length).toBe(before + 2);
    expect(await naming()).toBe(0);
  });

  it('makes a time-based change on the hourly cron with no new event: a buyer whose last order was 200 days ago becomes lapsed', async () => {
    const storage = createD1Storage({ db: (env as unknown as { DB: D1Database }).DB });
    await storage.migrate();
    const at = new Date(Date.now() - 200 * DAY_MS).toISOString();
    await storage.write({
      events: [{ ...order('w-old', 'w-bea'), type: 'track', site: 'shop', timestamp: at, receivedAt: at }],
      consents: [],
      rejected: [],
    });
    expect(await personOf('w-bea')).toMatchObject({ audiences: [], stage: null });

    await cronRun(RETENTION_CRON);
    expect(await personOf('w-bea')).toMatchObject({ audiences: ['lapsed_customers'], stage: 'lapsed' });
  });
});
