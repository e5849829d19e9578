// Collector throughput, side by side in one run on loopback: (a) a bare node:http server that
// reads the same body, (b) the Node collector with its full pipeline on SQLite, (c) the same
// collector on a throwaway PostgreSQL server. The traffic is what the SDK in real browsers sends:
// 20-event batches of page views and product events with random v4 messageIds, from 5,000
// returning browsers, each with the cookies of its first visit (the collector's device cookie, the
// SDK's ID and consent cookies) and a browser's headers. Afterwards every acknowledged event is
// read back from storage by its messageId.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, WRITE_KEY, writeBenchConfig } from './in-process.ts';
import { postgresMissing, startThrowawayPostgres } from '../packages/collector/test/support/throwaway-postgres.ts';
import { BROWSER_HEADERS, EVENTS_PER_BATCH, browserBatch, browserEvent, createShop, seededRandom } from './traffic.ts';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** A folder: the collector processes write a V8 CPU profile there (read it with bench/profile.ts). */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Result {
  name: string;
  requestsPerSecond: number;
  /** Acknowledged (2xx) events per second: for the collector, events durably stored. */
  eventsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  /**
   * CPU time (all threads, user and system) the server process spent per acknowledged request.
   * Unlike requests/s, it does not move with what else the machine runs; undefined off Linux.
   */
  cpuMsPerRequest?: number;
}

/** What storage held after a phase, against what the collector acknowledged. */
export interface StorageCheck {
  acknowledged: number;
  stored: number;
  /** Acknowledged but not stored: must be 0. */
  missing: number;
}

/** The store's size and what it cost the disk, per event stored under load. */
export interface DiskUse {
  /** Growth of the store (files, indexes, WAL) per event stored under load. */
  bytesPerEvent: number;
  /** Bytes the store wrote (SQLite: the collector's block I/O; PostgreSQL: WAL) per event stored under load. */
  writtenPerEvent: number;
  /** Written per byte kept. */
  writeAmplification: number;
}

/** What the store holds and has written so far, in bytes. */
export interface DiskProbe {
  size(): number;
  written(): number;
  /**
   * Brings what was written into the store's own files (SQLite: copies the WAL into the file and empties
   * it), so that size() counts what is kept, not how far a reused log has grown; returns the bytes that
   * took, which are written on the load's account.
   */
  settle?(): Promise<number>;
}

export interface Phase {
  result: Result;
  check?: StorageCheck;
  disk?: DiskUse;
  /** New browsers per second before the load: each one's first batch makes a device ID and links it. */
  firstVisitsPerSecond?: number;
}

export interface CollectorBench {
  bare: Phase;
  sqlite: Phase;
  /** Skipped, with the reason, when PostgreSQL is not installed. */
  postgres: Phase | { skipped: string };
}

/** Browsers sending the load; request n comes from browser n % BROWSERS. */
const BROWSERS = 5000;
/** Anonymous IDs are v4 UUIDs too, as the SDK makes them. */
export const anonymousIds = Array.from({ length: BROWSERS }, () => crypto.randomUUID());

/** Says what the load is, in the bench's output. */
export const TRAFFIC = `${EVENTS_PER_BATCH}-event browser batches (page views and product events, text/plain, Origin and Sec-Fetch headers), random v4 messageIds, ${BROWSERS} returning browsers sending their device, ID and consent cookies`;

/**
 * Each browser's first visit, before the load: one page view, and the cookies the collector sets
 * (its device ID), which the browser then sends with every batch, as a returning browser does.
 */
export async function firstVisits(url: string, browsers = BROWSERS): Promise<string[]> {
  const cookies: string[] = [];
  let next = 0;
  const browser = async () => {
    for (let n = next++; n < browsers; n = next++) {
      const anonymousId = anonymousIds[n]!;
      // The SDK's first batch on a new browser asks the collector to restore an ID it may know.
      const batch = [browserEvent({ type: 'page', messageId: crypto.randomUUID(), anonymousId })];
      const response = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: BROWSER_HEADERS,
        body: JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey: WRITE_KEY, restore: anonymousId }),
      });
      if (!response.ok) throw new Error(`a first visit was refused: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      const set = response.headers.getSetCookie().map((line) => line.split(';')[0]);
      // The script's own cookies, set on the shop's domain after the choice, go along on every request.
      cookies[n] = [...set, `kith_aid=${anonymousId}`, 'kith_consent=v=1&a=1&m=0&t=1764748800'].join('; ');
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, browser));
  return cookies;
}

export function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const url = output.match(/(?:on|collector on) (http:\/\/\S+)/)?.[1];
      if (url) resolve({ url, child });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${output}`)));
  });
}

export async function stop(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** CPU milliseconds a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuMs(pid: number | undefined): number | undefined {
  try {
    // Fields 14 and 15 (utime, stime) after the command name, in clock ticks (USER_HZ, 100 on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Loads the server for DURATION_S; returns its figures and the messageIds it acknowledged. */
async function load(
  name: string,
  url: string,
  cookies: string[] = [],
  pid?: number,
): Promise<{ result: Result; acknowledged: string[][] }> {
  const cpuBefore = cpuMs(pid);
  const shop = createShop(18);
  const random = seededRandom(18);
  let requestNumber = 0;
  const acknowledged: string[][] = [];
  // autocannon keeps one context per connection, and a connection has one request in flight.
  type Sent = { messageIds?: string[] };
  const result = await autocannon({
    url: `${url}/v1/batch`,
    method: 'POST',
    headers: BROWSER_HEADERS,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        setupRequest: (request, context) => {
          const browser = requestNumber++ % BROWSERS;
          const { body, messageIds } = browserBatch(shop, anonymousIds[browser]!, WRITE_KEY, random);
          (context as Sent).messageIds = messageIds;
          const cookie = cookies[browser];
          const headers = cookie ? { ...request.headers, cookie } : request.headers;
          return { ...request, headers, body };
        },
        onResponse: (status, _body, context) => {
          const sent = (context as Sent).messageIds;
          if (status >= 200 && status < 300 && sent !== undefined) acknowledged.push(sent);
        },
      },
    ],
  });
  const ok = result['2xx'];
  const cpuAfter = cpuMs(pid);
  return {
    result: {
      name,
      requestsPerSecond: Math.round(ok / DURATION_S),
      eventsPerSecond: Math.round((ok * EVENTS_PER_BATCH) / DURATION_S),
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok,
      errors: result.non2xx + result.errors + result.timeouts,
      ...(cpuBefore !== undefined && cpuAfter !== undefined && ok > 0
        ? { cpuMsPerRequest: Math.round(((cpuAfter - cpuBefore) / ok) * 1000) / 1000 }
        : {}),
    },
    acknowledged,
  };
}

/** Every event of every acknowledged request must be among the stored messageIds (first visits' included in `stored`). */
function check(acknowledged: string[][], storedIds: string[]): StorageCheck {
  const stored = new Set(storedIds);
  let missing = 0;
  for (const messageIds of acknowledged) for (const id of messageIds) if (!stored.has(id)) missing++;
  return { acknowledged: acknowledged.length * EVENTS_PER_BATCH, stored: stored.size - BROWSERS, missing };
}

/** Bytes a process has caused to be written to storage so far, from /proc (Linux); 0 elsewhere. */
function blockWrites(pid: number | undefined): number {
  try {
    return Number(readFileSync(`/proc/${pid}/io`, 'utf8').match(/^write_bytes: (\d+)/m)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Copies the WAL into the database file and empties it, from a connection of this process, once the
 * collector's last requests let it; returns the bytes this process wrote doing so.
 */
async function checkpoint(path: string): Promise<number> {
  const before = blockWrites(process.pid);
  const file = new DatabaseSync(path);
  try {
    for (let attempt = 0; ; attempt++) {
      const [result] = file.prepare('pragma wal_checkpoint(truncate)').all() as { busy: number }[];
      if (result?.busy === 0) break;
      if (attempt >= 100) throw new Error(`the WAL of ${path} could not be checkpointed`);
      await new Promise((done) => setTimeout(done, 20));
    }
  } finally {
    file.close();
  }
  return blockWrites(process.pid) - before;
}

function diskUse(
  before: { size: number; written: number },
  after: { size: number; written: number },
  events: number,
): DiskUse | undefined {
  if (events === 0) return undefined;
  const kept = after.size - before.size;
  const written = after.written - before.written;
  return {
    bytesPerEvent: Math.round(kept / events),
    writtenPerEvent: Math.round(written / events),
    writeAmplification: Math.round((written / Math.max(kept, 1)) * 10) / 10,
  };
}

async function collectorPhase(
  name: string,
  storage: string,
  config: string,
  storedIds: () => string[],
  probe: (pid: number | undefined) => DiskProbe,
): Promise<Phase> {
  const profile = CPU_PROFILE_DIR
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${CPU_PROFILE_DIR}`,
        `--cpu-prof-name=${name.replace(/\W+/g, '-').replace(/^-|-$/g, '')}.cpuprofile`,
      ]
    : [];
  const collector = await start(
    [
      ...profile,
      'packages/collector/src/cli.ts',
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--storage',
      storage,
      '--config',
      config,
    ],
    { KITH_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  const started = performance.now();
  const cookies = await firstVisits(collector.url);
  const firstVisitsPerSecond = Math.round(BROWSERS / ((performance.now() - started) / 1000));
  const disk = probe(collector.child.pid);
  await disk.settle?.();
  const before = { size: disk.size(), written: disk.written() };
  const { result, acknowledged } = await load(name, collector.url, cookies, collector.child.pid);
  const settled = (await disk.settle?.()) ?? 0;
  const after = { size: disk.size(), written: disk.written() + settled };
  // Requests whose connection autocannon dropped at the end are still being handled: the collector
  // lets them finish before it closes its storage (they were never acknowledged either way).
  await stop(collector.child);
  const stored = check(acknowledged, storedIds());
  return { result, check: stored, firstVisitsPerSecond, disk: diskUse(before, after, stored.stored) };
}

export async function benchCollector(): Promise<CollectorBench> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-'));
  try {
    const bareServer = await start(['bench/bare-server.ts']);
    const bare = { result: (await load('(a) bare node:http', bareServer.url, [], bareServer.child.pid)).result };
    await stop(bareServer.child);

    const config = writeBenchConfig(dir);

    const db = join(dir, 'kith.db');
    const sqlite = await collectorPhase(
      '(b) collector, SQLite',
      `sqlite:${db}`,
      config,
      () => {
        const file = new DatabaseSync(db, { readOnly: true });
        const rows = file.prepare('select message_id from events').all() as { message_id: string }[];
        file.close();
        return rows.map((row) => row.message_id);
      },
      (pid) => ({
        size: () => [db, `${db}-wal`].reduce((sum, file) => sum + (existsSync(file) ? statSync(file).size : 0), 0),
        written: () => blockWrites(pid),
        settle: () => checkpoint(db),
      }),
    );

    // BENCH_SKIP_POSTGRES=1: the SQLite phases alone, to compare SQLite changes in short runs.
    const missing = process.env.BENCH_SKIP_POSTGRES ? 'BENCH_SKIP_POSTGRES is set' : postgresMissing();
    let postgres: CollectorBench['postgres'] = { skipped: missing ?? '' };
    if (!missing) {
      const server = await startThrowawayPostgres({ database: 'kith_bench', durable: true });
      try {
        postgres = await collectorPhase(
          '(c) collector, PostgreSQL',
          server.url,
          config,
          () => server.psql('select message_id from events').split('\n').filter(Boolean),
          () => ({
            // The database's files; what PostgreSQL must write before it acknowledges is its WAL (the
            // tables' pages follow at checkpoints, about as many bytes again as they grew).
            size: () => Number(server.psql('select pg_database_size(current_database())')),
            written: () => Number(server.psql('select wal_bytes from pg_stat_wal')),
          }),
        );
      } finally {
        server.stop();
      }
    }
    return { bare, sqlite, postgres };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
