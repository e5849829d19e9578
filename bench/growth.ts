// `pnpm bench:growth`: does the collector's cost stay flat as history grows? SQLite storage is
// filled to 1k, 100k and 1M events of a synthetic shop's traffic (about 2 minutes on 2 cores;
// 10M with BENCH_GROWTH_10M=1: about half an hour and a 16 GB file), and at each size it measures
// (i) ingest of real 20-event batches through the collector's app and (ii) the admin API's person
// reads. Reports, not tests.
//
// Filling goes through the adapter's own write path (`Storage.write`) in large write sets, so the
// history has exactly the rows, indexes and identity graph the collector itself makes, in a
// fraction of the time: one transaction per 5,000 events instead of one per 20.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DEVICE_COOKIE } from '../packages/collector/src/http/device-cookie.ts';
import { EVENT_COLUMNS, eventFromRow, type EventColumnsRow } from '../packages/collector/src/storage/event-row.ts';
import type { Storage, StoredEvent, WriteSet } from '../packages/collector/src/storage/storage.ts';
import {
  SITE,
  WRITE_KEY,
  adminGet,
  describeFailures,
  inProcessCollector,
  quantiles,
  timeEach,
  type InProcessCollector,
} from './in-process.ts';
import { EVENTS_PER_BATCH, browserEvent, createShop, firstVisitIdentity, type Session, type Shop } from './traffic.ts';

const SIZES = (
  process.env.BENCH_GROWTH_SIZES ?? `1000,100000,1000000${process.env.BENCH_GROWTH_10M === '1' ? ',10000000' : ''}`
)
  .split(',')
  .map(Number);
/** Batches posted at each size (one at a time), and lookups of each kind. */
const BATCHES = Number(process.env.BENCH_GROWTH_BATCHES ?? 300);
const LOOKUPS = Number(process.env.BENCH_GROWTH_LOOKUPS ?? 300);
/** Each measurement also stops after this long once it has 10 samples, so a slow size still ends. */
const LIMITS = { maxSeconds: Number(process.env.BENCH_GROWTH_SECONDS ?? 30), minSamples: 10 };
const FILL_SET = 5000;
const DAY_MS = 86_400_000;

type Kind = 'page' | 'track' | 'identify';

const dir = mkdtempSync(join(tmpdir(), 'kith-growth-'));
// A stopped run still removes its database (gigabytes at 10M events).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}
try {
  const templates = await storedTemplates(dir);
  const database = join(dir, 'kith.db');
  const collector = await inProcessCollector(dir, `sqlite:${database}`);
  const shop = createShop(1);
  const fill = filler(collector.storage, shop, templates);

  console.log(
    `${cpus().length} cores, Node ${process.versions.node}; SQLite; up to ${BATCHES} batches of ${EVENTS_PER_BATCH} events and ${LOOKUPS} lookups of each kind per size`,
  );
  const rows = [];
  let stored = 0;
  let slowest: { size: number; seconds: number } | undefined;
  for (const size of SIZES) {
    const started = performance.now();
    if (size > stored) await fill(size - stored);
    const fillSeconds = Math.round((performance.now() - started) / 1000);
    const databaseMB = Math.round(checkpointedSize(database) / 1e6);
    console.log(`${size} events: filled in ${fillSeconds} s, ${databaseMB} MB`);
    const ingest = await ingestBatches(collector, shop);
    console.log(`${size} events: ingest ${JSON.stringify(ingest)}`);
    // A synchronous SQLite read cannot be interrupted: when one lookup would take longer than a
    // whole measurement (it grew in step with history so far), it is reported, not waited for.
    const projected = slowest ? (slowest.seconds * size) / slowest.size : 0;
    const lookups =
      projected > LIMITS.maxSeconds
        ? {
            skipped: `one lookup took ${slowest!.seconds.toFixed(1)} s at ${slowest!.size} events; here it would take about ${Math.round(projected)} s`,
          }
        : await lookupPersons(collector, shop);
    if ('eventsP50' in lookups) slowest = { size, seconds: Math.max(lookups.eventsP50, lookups.personP50) / 1000 };
    stored = countEvents(database);
    rows.push({ events: size, fillSeconds, databaseMB, ...ingest, ...lookups });
    console.table(rows);
  }
  await collector.storage.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Events exactly as the pipeline stores them (enriched context, corrected timestamps), one per
 * kind: posted once through a collector on a scratch file and read back.
 */
async function storedTemplates(parent: string): Promise<Record<Kind, StoredEvent>> {
  const scratch = mkdtempSync(join(parent, 'scratch-'));
  const database = join(scratch, 'kith.db');
  const { app, storage } = await inProcessCollector(scratch, `sqlite:${database}`);
  const kinds: Kind[] = ['page', 'track', 'identify'];
  const batch = kinds.map((type) =>
    browserEvent({
      type,
      messageId: `template-${type}`,
      anonymousId: 'template-anonymous',
      ...(type === 'identify' ? { userId: 'template-user' } : {}),
    }),
  );
  const response = await app.request('/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey: WRITE_KEY }),
  });
  if (!response.ok) throw new Error(`the template batch was refused: ${response.status} ${await response.text()}`);
  await storage.close();
  const file = new DatabaseSync(database, { readOnly: true });
  const rows = file.prepare(`select ${EVENT_COLUMNS} from events`).all() as unknown as EventColumnsRow[];
  file.close();
  const templates = Object.fromEntries(rows.map((row) => [row.type, eventFromRow(row)]));
  for (const kind of kinds)
    if (!templates[kind]) throw new Error(`the collector did not store the ${kind} template event`);
  return templates as Record<Kind, StoredEvent>;
}

/** History, session by session, written in large sets: events, and the device and login edges a new browser makes. */
function filler(storage: Storage, shop: Shop, templates: Record<Kind, StoredEvent>) {
  // History ends a day ago, one event every 3 s (10M events: about a year).
  let clock = Date.now() - DAY_MS - 3000 * 10_000_000;
  const empty = (): WriteSet & Required<Pick<WriteSet, 'links' | 'traits'>> => ({
    events: [],
    consents: [],
    rejected: [],
    links: [],
    traits: [],
  });
  let set = empty();

  const event = (kind: Kind, anonymousId: string, userId: string | undefined, name?: string): StoredEvent => {
    const at = new Date((clock += 3000)).toISOString();
    const stored: StoredEvent = {
      ...templates[kind],
      messageId: crypto.randomUUID(),
      anonymousId,
      timestamp: at,
      originalTimestamp: at,
      sentAt: at,
      receivedAt: at,
    };
    if (userId) stored.userId = userId;
    else delete stored.userId;
    if (name) stored.event = name;
    return stored;
  };

  function session({ visitor, first, login, events }: Session, budget: number): number {
    const count = Math.min(events, budget);
    const userId = visitor.user >= 0 ? shop.users[visitor.user] : undefined;
    for (let i = 0; i < count; i++) {
      // On a login, the identify comes second and the user ID is on every event after it.
      const kind = login && i === 1 ? { type: 'identify' as const, event: undefined } : shop.eventKind(i);
      const stored = event(kind.type, visitor.anonymousId, login && i < 1 ? undefined : userId, kind.event);
      set.events.push(stored);
      if (first && i === Math.min(1, count - 1)) {
        const loggedIn = stored.type === 'identify' ? userId : undefined;
        const learnt = firstVisitIdentity(SITE, visitor, loggedIn, stored.timestamp, {
          request: crypto.randomUUID(),
          identify: stored.messageId,
        });
        set.links.push(...learnt.links);
        set.traits.push(...learnt.traits);
      }
    }
    return count;
  }

  return async (events: number) => {
    for (let written = 0; written < events;) {
      written += session(shop.nextSession(), events - written);
      if (set.events.length >= FILL_SET || written >= events) {
        await storage.write(set);
        set = empty();
      }
    }
  };
}

/** Browsers' batches, one at a time; a returning browser sends back its device cookie. */
async function ingestBatches({ app }: InProcessCollector, shop: Shop) {
  let events = 0;
  const started = performance.now();
  const latencies = await timeEach(BATCHES, LIMITS, async () => {
    const { visitor, first, login } = shop.nextSession();
    const userId = visitor.user >= 0 ? shop.users[visitor.user] : undefined;
    const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
      const messageId = crypto.randomUUID();
      if (login && i === 1)
        return browserEvent({ type: 'identify', messageId, anonymousId: visitor.anonymousId, userId: userId! });
      return browserEvent({
        ...shop.eventKind(i),
        messageId,
        anonymousId: visitor.anonymousId,
        ...(userId && (!login || i > 1) ? { userId } : {}),
        sku: i,
      });
    });
    const response = await app.request('/v1/batch', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(first ? {} : { cookie: `${DEVICE_COOKIE}=${visitor.deviceId}` }),
      },
      body: JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey: WRITE_KEY }),
    });
    const answer = (await response.json()) as { ok: boolean; accepted?: number };
    if (!answer.ok) throw new Error(`a batch was refused: ${response.status} ${JSON.stringify(answer)}`);
    events += answer.accepted ?? 0;
    // The browser keeps the device ID the collector gave it.
    const given = response.headers
      .getSetCookie()
      .join(';')
      .match(new RegExp(`${DEVICE_COOKIE}=([^;]+)`))?.[1];
    if (given) visitor.deviceId = given;
  });
  const seconds = (performance.now() - started) / 1000;
  const { p50, p99 } = quantiles(latencies);
  return {
    ingestEventsPerSecond: Math.round(events / seconds),
    ingestP50: p50,
    ingestP99: p99,
    batches: latencies.length,
  };
}

/** A random customer's latest 100 events, and the customer as a person. */
async function lookupPersons({ app }: InProcessCollector, shop: Shop) {
  const failures = new Map<number, number>();
  const user = () => encodeURIComponent(shop.pick(shop.users));
  const events = quantiles(
    await timeEach(LOOKUPS, LIMITS, () => adminGet(app, `/v1/persons/user/${user()}/events?limit=100`, failures)),
  );
  const persons = await timeEach(LOOKUPS, LIMITS, () => adminGet(app, `/v1/persons/user/${user()}`, failures));
  const person = quantiles(persons);
  return {
    eventsP50: events.p50,
    eventsP99: events.p99,
    personP50: person.p50,
    personP99: person.p99,
    lookups: persons.length,
    failed: describeFailures(failures),
  };
}

/** The database file's size once the WAL's pages are in it. */
function checkpointedSize(database: string): number {
  const file = new DatabaseSync(database);
  file.exec('pragma wal_checkpoint(passive)');
  file.close();
  return statSync(database).size;
}

function countEvents(database: string): number {
  const file = new DatabaseSync(database, { readOnly: true });
  const { n } = file.prepare('select count(*) as n from events').get() as { n: number };
  file.close();
  return n;
}
