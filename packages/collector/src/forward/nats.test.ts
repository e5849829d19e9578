import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type NatsConfig } from '../config.ts';
import type { StoredEvent } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';
import { startForwarder } from './forwarder.ts';
import { natsDestination } from './nats.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startNatsServer, type NatsServer } from '../../test/support/nats.ts';

const FAST = { batchSize: 50, pollMs: 10, retry: { initialMs: 10, maxMs: 200 } };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(server: NatsServer, options: { batchSize?: number; later?: boolean } = {}) {
  const { storage, post, basic } = await testApp();
  cleanups.push(() => storage.close());
  const config = natsConfig(server.url);
  const logs: string[] = [];
  const start = () => {
    const forwarder = startForwarder({
      ...FAST,
      ...options,
      store: storage,
      destination: natsDestination(config),
      owner: 'test',
      log: (line) => logs.push(line),
    });
    cleanups.push(() => forwarder.stop());
  };
  if (!options.later) start();

  let sent = 0;
  const ingest = async (count: number) => {
    const batch = Array.from({ length: count }, (_, i) =>
      trackEvent(
        `n-${String(++sent).padStart(5, '0')}`,
        i % 5 === 0 ? { type: 'page', event: undefined, name: 'Home' } : {},
      ),
    );
    const res = await post('/v1/batch', { batch }, basic(SHOP_KEY));
    expect(await res.json()).toMatchObject({ ok: true, accepted: count });
    return batch.map((e) => e.messageId);
  };
  return { ingest, logs, start };
}

function natsConfig(url: string): NatsConfig {
  const config = parseConfig({
    sites: [{ id: 'x', writeKey: 'xxx', origins: [] }],
    forward: { nats: { servers: url, ackTimeoutMs: 500 } },
  });
  return config.forward!.nats!;
}

interface StreamMessage {
  subject: string;
  msgId: string | undefined;
  event: StoredEvent;
}

/** Every message in the stream, in stream order, read back with an ordered consumer. */
async function streamContents(url: string, stream = 'KITH'): Promise<StreamMessage[]> {
  const nc = await connect({ servers: url });
  try {
    const total = (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
    const consumer = await jetstream(nc).consumers.get(stream);
    const messages: StreamMessage[] = [];
    while (messages.length < total) {
      for await (const m of await consumer.fetch({
        max_messages: Math.min(500, total - messages.length),
        expires: 1000,
      })) {
        messages.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), event: m.json<StoredEvent>() });
      }
    }
    return messages;
  } finally {
    await nc.close();
  }
}

async function storedInStream(url: string): Promise<number> {
  const nc = await connect({ servers: url, timeout: 500 }).catch(() => undefined);
  if (!nc) return 0;
  try {
    return (await (await jetstreamManager(nc)).streams.info('KITH')).state.messages;
  } catch {
    return 0;
  } finally {
    await nc.close();
  }
}

describe('NATS JetStream forwarding', () => {
  it('publishes every stored event to kith.<site>.<type> with Nats-Msg-Id <site>:<messageId>, creating the stream', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const { ingest } = await setUp(server);
    const ids = [...(await ingest(30)), ...(await ingest(30))];
    await eventually(async () => (await storedInStream(server.url)) >= ids.length, 10_000, 'every event in the stream');

    const messages = await streamContents(server.url);
    expect(messages.map((m) => m.msgId)).toEqual(ids.map((id) => `shop:${id}`));
    expect(messages.map((m) => m.event.messageId)).toEqual(ids);
    expect(new Set(messages.map((m) => m.subject))).toEqual(new Set(['kith.shop.track', 'kith.shop.page']));
    expect(messages[1]).toMatchObject({
      subject: 'kith.shop.track',
      event: { type: 'track', site: 'shop', event: 'Product Added' },
    });
  });

  it('loses nothing and stores nothing twice when nats-server is killed mid-stream and restarted', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    // Small batches, and a backlog to work through, so that the server dies while batches are in flight.
    const { ingest, logs, start } = await setUp(server, { batchSize: 10, later: true });
    const ids: string[] = [];
    for (let round = 0; round < 20; round++) ids.push(...(await ingest(50)));
    start();
    let inStreamAtKill = 0;
    await eventually(
      async () => (inStreamAtKill = await storedInStream(server.url)) >= 100,
      10_000,
      'the first events in the stream',
    );
    await server.kill();
    const killedAt = Date.now();
    expect(inStreamAtKill).toBeLessThan(ids.length);

    // Events keep coming while the server is down.
    for (let round = 0; round < 20; round++) {
      ids.push(...(await ingest(25)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await server.restart();
    const restartedAt = Date.now();
    await eventually(async () => (await storedInStream(server.url)) >= ids.length, 20_000, 'every event in the stream');
    const caughtUp = Date.now();

    const messages = await streamContents(server.url);
    const msgIds = messages.map((m) => m.msgId);
    expect(msgIds).toEqual(ids.map((id) => `shop:${id}`));
    expect(new Set(msgIds).size).toBe(messages.length);
    expect(logs.some((line) => /failed tr/.test(line))).toBe(true);
    console.log(
      `NATS outage: ${ids.length} events stored, ${messages.length} in the stream (${messages.length - new Set(msgIds).size} duplicates, ` +
        `${ids.filter((id) => !msgIds.includes(`shop:${id}`)).length} missing); killed with ${inStreamAtKill} of ${ids.length - 500} in the stream, ` +
        `down ${restartedAt - killedAt} ms while 500 more were stored; all in the stream ${caughtUp - restartedAt} ms after the restart`,
    );
  });

  it('stores a batch delivered again once: JetStream drops the resend by its Nats-Msg-Id', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const destination = natsDestination(natsConfig(server.url));
    cleanups.push(() => destination.close());
    const batch = ['d1', 'd2', 'd3'].map(
      (id): StoredEvent => ({ ...trackEvent(id), site: 'shop', receivedAt: '2026-06-01T12:00:00.000Z' }) as StoredEvent,
    );
    const signal = new AbortController().signal;
    await destination.deliver(batch, signal);
    await destination.deliver([...batch, { ...batch[0]!, messageId: 'd4' }], signal);
    expect((await streamContents(server.url)).map((m) => m.msgId)).toEqual([
      'shop:d1',
      'shop:d2',
      'shop:d3',
      'shop:d4',
    ]);
  });

  it('waits for a server that is down when the forwarder starts', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    await server.kill();
    const { ingest, logs } = await setUp(server);
    const ids = await ingest(40);
    await eventually(
      () => logs.some((line) => /ECONNREFUSED|CONNECTION_REFUSED|connection refused/i.test(line)),
      5000,
      'a refused connection',
    );
    await server.restart();
    await eventually(async () => (await storedInStream(server.url)) >= ids.length, 10_000, 'every event in the stream');
    expect((await streamContents(server.url)).map((m) => m.event.messageId)).toEqual(ids);
  });
});
