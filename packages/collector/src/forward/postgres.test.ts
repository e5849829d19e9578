import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { createPostgresStorage } from '../storage/postgres/index.ts';
import { freshTestSchema } from '../../test/support/postgres-schema.ts';
import type { Storage, StoredEvent } from '../storage/storage.ts';
import { startForwarder } from './forwarder.ts';
import { eventually } from '../../test/support/eventually.ts';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { webhookDestination } from './webhook.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function schemaWithStorage() {
  const schema = await freshTestSchema();
  const opened: Storage[] = [];
  const open = async () => {
    const storage = createPostgresStorage({ url: schema.url, poolSize: 4 });
    opened.push(storage);
    await storage.migrate();
    return storage;
  };
  const client = async () => {
    const connection = new pg.Client({ connectionString: schema.url });
    await connection.connect();
    cleanups.push(() => connection.end().catch(() => {}));
    return connection;
  };
  cleanups.push(async () => {
    await Promise.allSettled(opened.map((storage) => storage.close()));
    await schema.drop();
  });
  return { open, client };
}

function event(messageId: string): StoredEvent {
  return {
    type: 'track',
    event: 'Order Completed',
    messageId,
    anonymousId: 'anon-1',
    site: 'shop',
    timestamp: '2026-06-01T12:00:00.000Z',
    receivedAt: '2026-06-01T12:00:00.000Z',
  };
}

const write = (storage: Storage, ...ids: string[]) =>
  storage.write({ events: ids.map(event), consents: [], rejected: [] });

/** An event inserted as the adapter does, on a connection whose transaction the test holds open. */
const insert = (client: pg.Client, id: string) =>
  client.query(
    "insert into events (site, message_id, type, timestamp, received_at, body) values ('shop', $1, 'track', $2, $2, $3)",
    [id, '2026-06-01T12:00:00.000Z', JSON.stringify(event(id))],
  );

describe('forwarding from PostgreSQL', () => {
  it('does not pass an event whose transaction is still open, and hands it out once it commits', async () => {
    const { open, client } = await schemaWithStorage();
    const storage = await open();
    await storage.claimForwarding('hook', 'a', 30_000);
    const slow = await client();
    await slow.query('begin');
    await insert(slow, 'slow');
    await write(storage, 'm1', 'm2');

    // Committed after the open insert took its seq: handing them out now would move the cursor past it.
    expect(await storage.pending('hook', 10)).toEqual([]);
    await slow.query('commit');
    const batch = await storage.pending('hook', 10);
    expect(batch.map((e) => e.event.messageId)).toEqual(['slow', 'm1', 'm2']);
  });

  it('hands out an event with a lower seq that commits after a higher one was delivered', async () => {
    const { open, client } = await schemaWithStorage();
    const storage = await open();
    await storage.claimForwarding('hook', 'a', 30_000);
    const [early, late] = [await client(), await client()];
    // `early` has a transaction ID first, `late` takes the lower seq, `early` commits first.
    await early.query('begin');
    await early.query('select pg_current_xact_id()');
    await late.query('begin');
    await insert(late, 'low-seq');
    await insert(early, 'high-seq');
    await early.query('commit');

    const first = await storage.pending('hook', 10);
    expect(first.map((e) => e.event.messageId)).toEqual(['high-seq']);
    expect(await storage.advance('hook', 'a', first[0]!.position)).toBe(true);

    await late.query('commit');
    const second = await storage.pending('hook', 10);
    expect(second.map((e) => e.event.messageId)).toEqual(['low-seq']);
    expect(second[0]!.seq).toBeLessThan(first[0]!.seq);
  });

  it('lets one of two forwarders on one database deliver at a time, and the other take over when it dies', async () => {
    const { open, client } = await schemaWithStorage();
    const [ingestStorage, storageA, storageB] = [await open(), await open(), await open()];
    const secret = 'two-forwarders-secret-0123456789';
    const receiver = await startWebhookReceiver(secret);
    cleanups.push(() => receiver.close());
    const webhook = parseConfig({
      sites: [{ id: 'x', writeKey: 'xxx', origins: [] }],
      forward: { webhooks: [{ id: 'crm', url: receiver.url, secret }] },
    }).forward!.webhooks[0]!;
    const start = (store: Storage, owner: string) => {
      const forwarder = startForwarder({
        store,
        owner,
        destination: webhookDestination(webhook),
        batchSize: 20,
        pollMs: 10,
        retry: { initialMs: 10, maxMs: 100 },
        leaseMs: 2000,
        log: () => {},
      });
      cleanups.push(() => forwarder.stop());
      return forwarder;
    };
    start(storageA, 'a');
    start(storageB, 'b');

    let sent = 0;
    const ingest = async (rounds: number) => {
      const ids: string[] = [];
      for (let round = 0; round < rounds; round++) {
        const batch = Array.from({ length: 10 }, () => `two-${String(++sent).padStart(4, '0')}`);
        await Promise.all([write(ingestStorage, ...batch.slice(0, 5)), write(ingestStorage, ...batch.slice(5))]);
        ids.push(...batch);
      }
      return ids;
    };
    const delivered = () => receiver.delivered().map((e) => e.messageId);

    const first = await ingest(20);
    await eventually(() => new Set(delivered()).size >= first.length, 10_000, 'the first events');
    expect(delivered().sort()).toEqual([...first].sort());
    expect(receiver.maxConcurrent).toBe(1);

    // The holder loses its database, as a crashed instance would; the other takes over once the lease runs out.
    const watcher = await client();
    const holder = (
      await watcher.query<{ owner: string }>("select owner from forward_cursors where destination = 'webhook:crm'")
    ).rows[0]?.owner;
    expect(['a', 'b']).toContain(holder);
    await (holder === 'a' ? storageA : storageB).close();
    const then = await ingest(20);
    await eventually(
      () => new Set(delivered()).size >= first.length + then.length,
      10_000,
      'the events after the takeover',
    );
    expect([...new Set(delivered())].sort()).toEqual([...first, ...then].sort());
    // At least once: a batch the dead instance sent but had not recorded may come again, nothing more.
    expect(delivered().length - new Set(delivered()).size).toBeLessThanOrEqual(20);
    expect(receiver.maxConcurrent).toBe(1);
    const now = (
      await watcher.query<{ owner: string }>("select owner from forward_cursors where destination = 'webhook:crm'")
    ).rows[0]?.owner;
    expect(now).toBe(holder === 'a' ? 'b' : 'a');
  });
});
