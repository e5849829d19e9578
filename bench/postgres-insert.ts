// `node bench/postgres-insert.ts`: what PostgreSQL spends on the collector's insert path, without
// HTTP or a load generator. The PostgreSQL adapter's write() of returning browsers' 20-event
// batches (random v4 messageIds), CONCURRENCY at once for BENCH_SECONDS, on a fresh durable server:
// first with 2 grouped INSERTs in flight (the default), as many as batches (each its own), 1 and 4,
// then with the events table's indexes dropped a group at a time, to show which ones the cost is in. CPU per batch of this process (the adapter and the pg driver, plus making the batches) and
// of PostgreSQL's processes (from /proc). A report of ratios within one run, not a test.
import { cpus, loadavg } from 'node:os';
import { startThrowawayPostgres, postgresMissing } from '../packages/collector/test/support/throwaway-postgres.ts';
import { createPostgresStorage } from '../packages/collector/src/storage/postgres/index.ts';
import type { WriteSet } from '../packages/collector/src/storage/storage.ts';
import { postgresCpuMs, postmasterPid } from './postgres-cpu.ts';
import { browserBatch, createShop, seededRandom } from './traffic.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONNECTIONS ?? 16);

/** Index drops are cumulative: each step drops its indexes on top of the ones before. */
const STEPS: [string, string, number?][] = [
  ['2 grouped INSERTs in flight (the default), all indexes', ''],
  [`${CONCURRENCY} INSERTs in flight: each batch its own`, '', CONCURRENCY],
  ['1 grouped INSERT in flight', '', 1],
  ['4 grouped INSERTs in flight', '', 4],
  ['2 grouped (the default) again', ''],
  [
    'without the markers (campaign, computed slot, erasure exit)',
    'drop index events_with_campaign, events_by_computed_slot, events_erasure_exits',
  ],
  ["and without figures' two", 'drop index events_by_site_time, events_by_site_event'],
  ['and without the ID indexes', 'drop index events_by_user, events_by_anonymous'],
  ['and without the outbox index: the table and its unique key', 'drop index events_by_tx'],
];

const shop = createShop(18);
const random = seededRandom(18);
const browsers = Array.from({ length: 1000 }, () => crypto.randomUUID());
let made = 0;
function writeSet(): WriteSet {
  const { body } = browserBatch(shop, browsers[made++ % browsers.length]!, 'bench-key', random);
  const receivedAt = new Date().toISOString();
  const events = (JSON.parse(body) as { batch: WriteSet['events'] }).batch.map((event) => ({
    ...event,
    site: 'bench',
    receivedAt,
  }));
  return { events, consents: [], rejected: [] };
}

const missing = postgresMissing();
if (missing) {
  console.log(`PostgreSQL insert bench skipped: ${missing}`);
} else {
  const server = await startThrowawayPostgres({ database: 'kith_bench', durable: true });
  try {
    const postmaster = postmasterPid(server);
    const migrator = createPostgresStorage({ url: server.url });
    await migrator.migrate();
    await migrator.close();
    console.log(
      `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}; ${CONCURRENCY} write sets of 20 events at once, ${SECONDS} s per step`,
    );
    const rows: Record<string, Record<string, number>> = {};
    for (const [name, sql, insertsInFlight] of STEPS) {
      if (sql) server.psql(sql);
      server.psql('truncate events');
      const storage = createPostgresStorage({
        url: server.url,
        poolSize: CONCURRENCY,
        ...(insertsInFlight ? { insertsInFlight } : {}),
      });
      for (let i = 0; i < 50; i++) await storage.write(writeSet());
      const before = { self: process.cpuUsage(), postgres: postgresCpuMs(postmaster) };
      const started = performance.now();
      let written = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() - started < SECONDS * 1000) {
            await storage.write(writeSet());
            written++;
          }
        }),
      );
      const self = process.cpuUsage(before.self);
      const postgres = postgresCpuMs(postmaster) - before.postgres;
      await storage.close();
      rows[name] = {
        'batches/s': Math.round(written / ((performance.now() - started) / 1000)),
        'this process CPU ms/batch': Math.round((self.user + self.system) / written) / 1000,
        'PostgreSQL CPU ms/batch': Math.round((postgres / written) * 1000) / 1000,
        'load average': Number(loadavg()[0]!.toFixed(2)),
      };
    }
    console.table(rows);
  } finally {
    server.stop();
  }
}
