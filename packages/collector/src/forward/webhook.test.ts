import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type WebhookConfig } from '../config.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';
import { startForwarder, type Forwarder } from './forwarder.ts';
import { replayDeadLetters } from './replay.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { webhookDestination } from './webhook.ts';

const SECRET = 'webhook-test-secret-0123456789';
const FAST = { batchSize: 50, pollMs: 10, retry: { initialMs: 10, maxMs: 100 } };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real app on SQLite, a receiver on loopback, and a forwarder between them. */
async function setUp(webhook: Partial<WebhookConfig> = {}) {
  const { storage, post, basic } = await testApp();
  const receiver = await startWebhookReceiver(SECRET);
  const config = webhookConfig({ url: receiver.url, ...webhook });
  const logs: string[] = [];
  const forwarder = startForwarder({
    ...FAST,
    store: storage,
    destination: webhookDestination(config),
    owner: 'test',
    log: (line) => logs.push(line),
  });
  cleanups.push(
    () => storage.close(),
    () => receiver.close(),
    () => forwarder.stop(),
  );

  let sent = 0;
  /** Sends `count` events through /v1/batch, `perBatch` at a time; returns their messageIds. */
  const ingest = async (count: number, perBatch = 25) => {
    const ids: string[] = [];
    for (let start = 0; start < count; start += perBatch) {
      const batch = Array.from({ length: Math.min(perBatch, count - start) }, () =>
        trackEvent(`e-${String(++sent).padStart(5, '0')}`),
      );
      const res = await post('/v1/batch', { batch }, basic(SHOP_KEY));
      expect(await res.json()).toMatchObject({ ok: true, accepted: batch.length });
      ids.push(...batch.map((e) => e.messageId));
    }
    return ids;
  };
  return { storage, receiver, forwarder, ingest, logs };
}

function webhookConfig(overrides: Partial<WebhookConfig>): WebhookConfig {
  const config = parseConfig({
    sites: [{ id: 'x', writeKey: 'xxx', origins: [] }],
    forward: { webhooks: [{ id: 'crm', url: 'http://127.0.0.1:1/', secret: SECRET }] },
  });
  return { ...config.forward!.webhooks[0]!, ...overrides };
}

/** Keeps sending batches of 15 events, 50 ms apart, for `ms`. */
async function ingestFor(ingest: (count: number) => Promise<string[]>, ms: number): Promise<string[]> {
  const ids: string[] = [];
  for (const until = Date.now() + ms; Date.now() < until;) {
    ids.push(...(await ingest(15)));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return ids;
}

function report(outage: string, receiver: WebhookReceiver, ids: string[], outageMs: number, catchUpMs: number) {
  const delivered = messageIds(receiver);
  console.log(
    `webhook outage (${outage}): ${ids.length} events stored, ${new Set(delivered).size} delivered ` +
      `(${delivered.length - new Set(delivered).size} duplicates, ${receiver.requests.filter((r) => r.status !== 200).length} failed requests); ` +
      `receiver out ${outageMs} ms; all delivered ${catchUpMs} ms after it recovered`,
  );
}

const messageIds = (receiver: WebhookReceiver) => receiver.delivered().map((e) => e.messageId);
const allDelivered = (receiver: WebhookReceiver, ids: string[]) => () =>
  new Set(messageIds(receiver)).size >= ids.length;

describe('webhook forwarding', () => {
  it('POSTs every stored event once, in the order stored, signed, as { batch } with an Idempotency-Key', async () => {
    const { receiver, ingest } = await setUp();
    const ids = await ingest(120);
    await eventually(allDelivered(receiver, ids), 5000, 'every event at the receiver');
    expect(messageIds(receiver)).toEqual(ids);
    expect(
      receiver.requests.every((r) => r.signed && r.status === 200 && /^[0-9a-f]{64}$/.test(r.idempotencyKey ?? '')),
    ).toBe(true);
    expect(receiver.requests.every((r) => r.batch.length <= FAST.batchSize)).toBe(true);
    expect(receiver.delivered()[0]).toMatchObject({
      type: 'track',
      site: 'shop',
      event: 'Product Added',
      receivedAt: '2026-06-01T12:00:00.000Z',
    });
  });

  it('delivers everything, once the receiver recovers, that was stored while it answered 500', async () => {
    const { receiver, ingest, storage } = await setUp();
    const before = await ingest(50);
    await eventually(allDelivered(receiver, before), 5000, 'the first events');
    receiver.answer = 500;
    const failingFrom = Date.now();
    const during = await ingestFor(ingest, 1000);
    receiver.answer = 200;
    const recoveredAt = Date.now();
    const after = await ingest(50);
    const ids = [...before, ...during, ...after];
    await eventually(allDelivered(receiver, ids), 5000, 'every event at the receiver');
    expect(messageIds(receiver)).toEqual(ids);
    expect(await storage.deadLetters('webhook:crm', 10)).toEqual([]);
    report('500s', receiver, ids, recoveredAt - failingFrom, Date.now() - recoveredAt);
  });

  it('delivers everything stored while the receiver was down (connection refused), once it is back', async () => {
    const { receiver, ingest, logs } = await setUp();
    const before = await ingest(50);
    await eventually(allDelivered(receiver, before), 5000, 'the first events');
    await receiver.close();
    const downFrom = Date.now();
    const during = await ingestFor(ingest, 1000);
    await eventually(() => logs.some((line) => /ECONNREFUSED/.test(line)), 5000, 'a refused connection');
    await receiver.reopen();
    const reopenedAt = Date.now();
    const after = await ingest(50);
    const ids = [...before, ...during, ...after];
    await eventually(allDelivered(receiver, ids), 5000, 'every event at the receiver');
    expect(messageIds(receiver)).toEqual(ids);
    report('port closed', receiver, ids, reopenedAt - downFrom, Date.now() - reopenedAt);
  });

  it('keeps a batch that fails every try as a dead letter with its events, and goes on with the next', async () => {
    const { receiver, ingest, storage } = await setUp({ maxAttempts: 3 });
    receiver.answer = 503;
    const ids = await ingest(30, 30);
    await eventually(async () => (await storage.deadLetters('webhook:crm', 10)).length > 0, 5000, 'a dead letter');
    receiver.answer = 200;
    const [letter] = await storage.deadLetters('webhook:crm', 10);
    expect(letter).toMatchObject({
      destination: 'webhook:crm',
      attempts: 3,
      error: expect.stringMatching(/answered 503$/),
    });
    expect(letter!.events.map((e) => e.event.messageId)).toEqual(ids);
    expect(receiver.requests.filter((r) => r.status === 503)).toHaveLength(3);

    const next = await ingest(20);
    await eventually(allDelivered(receiver, next), 5000, 'the events after the dead letter');
    expect(messageIds(receiver)).toEqual(next);

    expect(await replayDeadLetters(storage, webhookDestination(webhookConfig({ url: receiver.url })))).toEqual({
      replayed: 1,
    });
    expect(messageIds(receiver)).toEqual([...next, ...ids]);
    expect(await storage.deadLetters('webhook:crm', 10)).toEqual([]);
  });

  it('keeps dead letters that fail again when replayed', async () => {
    const { receiver, ingest, storage } = await setUp({ maxAttempts: 1 });
    receiver.answer = 500;
    await ingest(5, 5);
    await eventually(async () => (await storage.deadLetters('webhook:crm', 10)).length > 0, 5000, 'a dead letter');
    const [letter] = await storage.deadLetters('webhook:crm', 10);
    const replay = await replayDeadLetters(storage, webhookDestination(webhookConfig({ url: receiver.url })));
    expect(replay).toEqual({ replayed: 0, failed: { id: letter!.id, error: expect.stringMatching(/answered 500$/) } });
    expect(await storage.deadLetters('webhook:crm', 10)).toHaveLength(1);
  });

  it('dead-letters a batch the receiver refuses with a 4xx at the first try, since no retry can mend it', async () => {
    const { receiver, ingest, storage } = await setUp();
    receiver.answer = 422;
    await ingest(10);
    await eventually(async () => (await storage.deadLetters('webhook:crm', 10)).length > 0, 5000, 'a dead letter');
    expect(receiver.requests).toHaveLength(1);
    expect((await storage.deadLetters('webhook:crm', 10))[0]).toMatchObject({
      attempts: 1,
      error: expect.stringMatching(/answered 422$/),
    });
  });

  it('tries again after a 429, waiting the Retry-After it was given', async () => {
    const { receiver, ingest } = await setUp();
    let answered = 0;
    receiver.answer = () => (++answered === 1 ? { status: 429, headers: { 'Retry-After': '0' } } : 200);
    const ids = await ingest(10);
    await eventually(allDelivered(receiver, ids), 5000, 'every event at the receiver');
    expect(receiver.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('lets another forwarder on the same storage take over, with nothing delivered twice, when the first stops', async () => {
    const { receiver, ingest, storage, forwarder } = await setUp();
    const second: Forwarder = startForwarder({
      ...FAST,
      store: storage,
      destination: webhookDestination(webhookConfig({ url: receiver.url })),
      owner: 'second',
      leaseMs: 200,
      log: () => {},
    });
    cleanups.push(() => second.stop());
    const first = await ingest(60);
    await eventually(allDelivered(receiver, first), 5000, 'the first events');
    await forwarder.stop();
    const then = await ingest(60);
    await eventually(allDelivered(receiver, [...first, ...then]), 5000, 'the events after the handover');
    expect(messageIds(receiver)).toEqual([...first, ...then]);
  });

  it('finishes the delivery in flight when stopped, so the next forwarder does not send it again', async () => {
    const { receiver, ingest, storage, forwarder } = await setUp();
    let answer = () => {};
    receiver.answerAfter = new Promise((resolve) => (answer = resolve));
    const first = await ingest(10);
    await eventually(() => receiver.requests.length === 1, 5000, 'the delivery in flight');
    const stopping = forwarder.stop();
    setTimeout(answer, 100);
    await stopping;
    receiver.answerAfter = undefined;

    const next = startForwarder({
      ...FAST,
      store: storage,
      destination: webhookDestination(webhookConfig({ url: receiver.url })),
      owner: 'next',
      log: () => {},
    });
    cleanups.push(() => next.stop());
    const then = await ingest(10);
    await eventually(allDelivered(receiver, [...first, ...then]), 5000, 'the events after the stop');
    expect(messageIds(receiver)).toEqual([...first, ...then]);
  });

  it('in drain mode (a scheduled run) delivers what is stored and ends, and ends at once while another holds the lease', async () => {
    const { receiver, ingest, storage, forwarder } = await setUp();
    const first = await ingest(60);
    await eventually(allDelivered(receiver, first), 5000, 'the first events');
    const drain = (owner: string) =>
      startForwarder({
        ...FAST,
        store: storage,
        destination: webhookDestination(webhookConfig({ url: receiver.url })),
        owner,
        log: () => {},
        drain: true,
      });

    // The test's forwarder holds the lease: a scheduled run gives way and sends nothing.
    const then = await ingest(30);
    const givingWay = drain('cron-1');
    await givingWay.done;
    await givingWay.stop();
    await forwarder.stop();

    // Alone, a scheduled run sends what the stopped forwarder left, and ends by itself.
    const run = drain('cron-2');
    await run.done;
    await run.stop();
    expect(messageIds(receiver)).toEqual([...first, ...then]);
  });
});
