// Capture, then materialize: what SQLite alone would cost if the collector appended each validated
// batch as one row (durable, in arrival order) and a materializer later wrote the events table in
// large transactions sorted by (site, messageId), against what it costs today (each request's 20
// events into the events table, whose unique index random v4 messageIds touch at random pages).
// node:sqlite in this process, the collector's schema, no HTTP: a floor under each design, with the
// disk each needs per event. `.ci/pnpm exec node bench/capture.ts`; BENCH_SECONDS per variant (5).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from '../packages/collector/src/storage/sqlite-dialect/schema.ts';
import { EVENTS_PER_BATCH, browserEvent, createShop, seededRandom } from './traffic.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Batches that share a commit, as the collector's group commit shares one among the requests waiting. */
const GROUP = 8;
/** Events per materializing transaction. */
const CHUNK = 10_000;
/** Batches made before the clock starts, so that making them is not counted; a variant stops when it has used them all. */
const POOL = Number(process.env.BENCH_CAPTURE_BATCHES ?? 4000);

const shop = createShop(18);
const random = seededRandom(18);
const anonymousIds = Array.from({ length: 5000 }, () => crypto.randomUUID());

/** A batch as the collector stores its events: the SDK's events with the collector's fields. */
function storedBatch(n: number) {
  const receivedAt = new Date().toISOString();
  return Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
    ...browserEvent({
      ...shop.eventKind(i),
      messageId: crypto.randomUUID(),
      anonymousId: anonymousIds[n % 5000]!,
      sku: Math.floor(random() * 400),
    }),
    site: 'bench',
    receivedAt,
  }));
}
type StoredEvent = ReturnType<typeof storedBatch>[number];
const pool = Array.from({ length: POOL }, (_, n) => {
  const events = storedBatch(n);
  return { events, json: JSON.stringify(events) };
});

const writtenBytes = () => Number(readFileSync('/proc/self/io', 'utf8').match(/^write_bytes: (\d+)/m)?.[1] ?? 0);
const fileBytes = (file: string) =>
  [file, `${file}-wal`].reduce((sum, path) => sum + (existsSync(path) ? statSync(path).size : 0), 0);

function open(file: string, synchronous: 'full' | 'normal') {
  const fresh = !existsSync(file);
  const db = new DatabaseSync(file);
  db.exec(`pragma journal_mode = wal; pragma synchronous = ${synchronous};`);
  if (fresh) {
    MIGRATIONS.forEach((sql) => db.exec(sql));
    db.exec(
      'create table captured (seq integer primary key, site text not null, received_at text not null, batch text not null)',
    );
  }
  return db;
}

function insertEvents(db: DatabaseSync) {
  const insert = db.prepare(
    `insert into events (site, message_id, type, event, user_id, anonymous_id, timestamp, received_at, body)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (site, message_id) do nothing`,
  );
  return (event: StoredEvent) =>
    insert.run(
      event.site,
      event.messageId,
      event.type,
      event.event ?? null,
      null,
      event.anonymousId ?? null,
      event.timestamp!,
      event.receivedAt,
      JSON.stringify(event),
    );
}

interface Figures {
  'events/s': number;
  'CPU µs per event': number;
  'store B per event': number;
  'written B per event': number;
}

/** Runs `step` (which stores events and returns how many) for SECONDS, or until it finds none left (`drain`). */
function measure(file: string, step: () => number, drain = false): Figures {
  const sizeBefore = fileBytes(file);
  const writtenBefore = writtenBytes();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let events = 0;
  for (;;) {
    const stored = step();
    events += stored;
    if (stored == 0 || (!drain && performance.now() - started >= SECONDS * 1000)) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    'events/s': Math.round(events / seconds),
    'CPU µs per event': Math.round((used.user + used.system) / events),
    'store B per event': Math.round((fileBytes(file) - sizeBefore) / events),
    'written B per event': Math.round((writtenBytes() - writtenBefore) / events),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'kith-capture-'));
try {
  const results: Record<string, Figures> = {};
  // The next GROUP batches of the pool; none once it is used up.
  let n = 0;
  const next = () => (n + GROUP <= POOL ? pool.slice(n, (n += GROUP)) : []);

  // Today: each request's events into the events table, GROUP requests per durable commit.
  {
    const file = join(dir, 'today.db');
    const db = open(file, 'full');
    const insert = insertEvents(db);
    results['today: events per request, synchronous=full'] = measure(file, () => {
      const batches = next();
      db.exec('begin immediate');
      for (const { events } of batches) events.forEach(insert);
      db.exec('commit');
      return batches.length * EVENTS_PER_BATCH;
    });
    db.close();
  }

  // Capture: each request's batch as one row, appended in arrival order, GROUP requests per durable commit.
  const file = join(dir, 'split.db');
  const capture = open(file, 'full');
  const append = capture.prepare('insert into captured (site, received_at, batch) values (?, ?, ?)');
  n = 0;
  results['capture: one row per request, synchronous=full'] = measure(file, () => {
    const batches = next();
    capture.exec('begin immediate');
    for (const { json } of batches) append.run('bench', new Date().toISOString(), json);
    capture.exec('commit');
    return batches.length * EVENTS_PER_BATCH;
  });
  capture.close();

  // Materialize what was captured: CHUNK events per transaction, sorted by key, then the captured rows go.
  // The capture is the durable copy, so these commits need not wait for the disk.
  const materialize = open(file, 'normal');
  const insert = insertEvents(materialize);
  const take = materialize.prepare(`select seq, batch from captured order by seq limit ${CHUNK / EVENTS_PER_BATCH}`);
  const done = materialize.prepare('delete from captured where seq <= ?');
  results['materialize: sorted chunks, synchronous=normal'] = measure(
    file,
    () => {
      materialize.exec('begin immediate');
      const rows = take.all() as { seq: number; batch: string }[];
      const events = rows
        .flatMap((row) => JSON.parse(row.batch) as StoredEvent[])
        .sort((a, b) => (a.messageId < b.messageId ? -1 : 1));
      events.forEach(insert);
      if (rows.length) done.run(rows.at(-1)!.seq);
      materialize.exec('commit');
      return events.length;
    },
    true,
  );
  materialize.close();

  console.log(
    `node:sqlite alone, the collector's schema, random v4 messageIds, ${GROUP} requests of ${EVENTS_PER_BATCH} events per commit, ${SECONDS} s each:`,
  );
  console.table(results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
