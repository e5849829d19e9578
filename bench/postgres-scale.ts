// `pnpm bench:postgres`: one collector process against two on one PostgreSQL database, in one run
// on loopback, beside a bare node:http server. Each collector is `kith serve` in its own process on
// its own port; the load is split evenly between them, as a load balancer would, and a browser's
// batches go to either. Traffic as in bench/collector.ts (20-event browser batches, random v4
// messageIds, returning browsers with their cookies). Each collector phase gets a fresh, durable
// PostgreSQL server (fsync and synchronous_commit on), and afterwards every acknowledged event is
// read back by its messageId. CPU is read from /proc: the collectors' processes, and PostgreSQL's
// (the postmaster, its live children, and the children it has reaped).
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, WRITE_KEY, writeBenchConfig } from './in-process.ts';
import { anonymousIds, cpuMs, firstVisits, start, stop } from './collector.ts';
import { postgresMissing, startThrowawayPostgres } from '../packages/collector/test/support/throwaway-postgres.ts';
import { postgresCpuMs, postmasterPid } from './postgres-cpu.ts';
import { BROWSER_HEADERS, EVENTS_PER_BATCH, browserBatch, createShop, seededRandom } from './traffic.ts';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** A folder: each collector process writes a V8 CPU profile there (read it with bench/profile.ts). */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;
/** Returning browsers; each one's first visit is made before the load (on PostgreSQL, a few hundred a second). */
const BROWSERS = Math.min(Number(process.env.BENCH_BROWSERS ?? 1000), anonymousIds.length);

interface Row {
  'requests/s': number;
  'events/s stored': number;
  'p50 ms': number;
  'p99 ms': number;
  errors: number;
  'collector CPU ms/req'?: number;
  'PostgreSQL CPU ms/req'?: number;
  'both CPU ms/req'?: number;
  'x bare CPU'?: number;
  missing?: number;
}

/** Loads the servers at once, CONNECTIONS split between them, for DURATION_S. */
async function load(urls: string[], cookies: string[]) {
  const shop = createShop(18);
  const random = seededRandom(18);
  let requestNumber = 0;
  const acknowledged: string[][] = [];
  type Sent = { messageIds?: string[] };
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url: `${url}/v1/batch`,
        method: 'POST',
        headers: BROWSER_HEADERS,
        connections: Math.max(1, Math.round(CONNECTIONS / urls.length)),
        duration: DURATION_S,
        requests: [
          {
            setupRequest: (request, context) => {
              const browser = requestNumber++ % BROWSERS;
              const { body, messageIds } = browserBatch(shop, anonymousIds[browser]!, WRITE_KEY, random);
              (context as Sent).messageIds = messageIds;
              const cookie = cookies[browser];
              return { ...request, headers: cookie ? { ...request.headers, cookie } : request.headers, body };
            },
            onResponse: (status, _body, context) => {
              const sent = (context as Sent).messageIds;
              if (status >= 200 && status < 300 && sent !== undefined) acknowledged.push(sent);
            },
          },
        ],
      }),
    ),
  );
  const ok = results.reduce((sum, result) => sum + result['2xx'], 0);
  return {
    ok,
    acknowledged,
    // Of the slower half: the figure a load balancer's clients see.
    p50: Math.max(...results.map((result) => result.latency.p50)),
    p99: Math.max(...results.map((result) => result.latency.p99)),
    errors: results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0),
  };
}

/**
 * Before the clock starts, every browser sends one batch to every collector: each collector then
 * knows each browser's device (its cache of device bindings, as behind a sticky load balancer) and
 * has compiled its hot code, as the single collector has.
 */
async function warmUp(urls: string[], cookies: string[]) {
  const shop = createShop(19);
  const random = seededRandom(19);
  for (const url of urls) {
    let next = 0;
    const browser = async () => {
      for (let n = next++; n < BROWSERS; n = next++) {
        const { body } = browserBatch(shop, anonymousIds[n]!, WRITE_KEY, random);
        const response = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: { ...BROWSER_HEADERS, cookie: cookies[n]! },
          body,
        });
        if (!response.ok) throw new Error(`a warm-up batch was refused: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, browser));
  }
}

const perRequest = (ms: number, ok: number) => Math.round((ms / Math.max(ok, 1)) * 1000) / 1000;
const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);

async function bare(): Promise<Row> {
  const server = await start(['bench/bare-server.ts']);
  const before = cpuOf([server.child.pid!]);
  const run = await load([server.url], []);
  const cpu = cpuOf([server.child.pid!]) - before;
  await stop(server.child);
  return {
    'requests/s': Math.round(run.ok / DURATION_S),
    'events/s stored': 0,
    'p50 ms': run.p50,
    'p99 ms': run.p99,
    errors: run.errors,
    'collector CPU ms/req': perRequest(cpu, run.ok),
    'both CPU ms/req': perRequest(cpu, run.ok),
  };
}

/** `count` collector processes on one fresh PostgreSQL server, loaded together. */
async function collectors(count: number, config: string, bareCpu: number): Promise<Row> {
  const server = await startThrowawayPostgres({ database: 'kith_bench', durable: true });
  try {
    const postmaster = postmasterPid(server);
    // Started together: they migrate the empty database one after the other (an advisory lock).
    const processes = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        start(
          [
            ...(CPU_PROFILE_DIR
              ? [
                  '--cpu-prof',
                  `--cpu-prof-dir=${CPU_PROFILE_DIR}`,
                  `--cpu-prof-name=collector-${count}-${n}.cpuprofile`,
                ]
              : []),
            'packages/collector/src/cli.ts',
            'serve',
            '--port',
            '0',
            '--host',
            '127.0.0.1',
            '--storage',
            server.url,
            '--config',
            config,
          ],
          { KITH_ADMIN_TOKEN: ADMIN_TOKEN },
        ),
      ),
    );
    // The first visits go to one collector; the others learn each browser's device from the
    // database on its first batch there (in the warm-up).
    const cookies = await firstVisits(processes[0]!.url, BROWSERS);
    await warmUp(
      processes.map((process) => process.url),
      cookies,
    );
    const pids = processes.map((process) => process.child.pid!);
    const before = { collectors: cpuOf(pids), postgres: postgresCpuMs(postmaster) };
    const run = await load(
      processes.map((process) => process.url),
      cookies,
    );
    const collectorCpu = cpuOf(pids) - before.collectors;
    const postgresCpu = postgresCpuMs(postmaster) - before.postgres;
    await Promise.all(processes.map((process) => stop(process.child)));

    const stored = new Set(server.psql('select message_id from events').split('\n').filter(Boolean));
    let missing = 0;
    for (const messageIds of run.acknowledged) for (const id of messageIds) if (!stored.has(id)) missing++;
    const both = perRequest(collectorCpu + postgresCpu, run.ok);
    return {
      'requests/s': Math.round(run.ok / DURATION_S),
      'events/s stored': Math.round((run.acknowledged.length * EVENTS_PER_BATCH - missing) / DURATION_S),
      'p50 ms': run.p50,
      'p99 ms': run.p99,
      errors: run.errors,
      'collector CPU ms/req': perRequest(collectorCpu, run.ok),
      'PostgreSQL CPU ms/req': perRequest(postgresCpu, run.ok),
      'both CPU ms/req': both,
      'x bare CPU': Math.round((both / bareCpu) * 10) / 10,
      missing,
    };
  } finally {
    server.stop();
  }
}

const missingPostgres = postgresMissing();
if (missingPostgres) {
  console.log(`PostgreSQL scale bench skipped: ${missingPostgres}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-'));
  try {
    const loadAverage = () =>
      loadavg()
        .map((figure) => figure.toFixed(2))
        .join(', ');
    console.log(`${cpus().length} cores, Node ${process.versions.node}, load average before: ${loadAverage()}`);
    console.log(
      `Traffic: ${EVENTS_PER_BATCH}-event browser batches, random v4 messageIds, ${BROWSERS} returning browsers with their cookies; ${CONNECTIONS} connections split between the collectors, ${DURATION_S} s per phase.`,
    );
    const config = writeBenchConfig(dir);
    const a = await bare();
    const bareCpu = a['both CPU ms/req']!;
    const rows = {
      '(a) bare node:http': a,
      '(b) one collector': await collectors(1, config, bareCpu),
      '(c) two collectors, one database': await collectors(2, config, bareCpu),
    };
    console.table(rows);
    console.log(`load average after: ${loadAverage()}`);
    const two = rows['(c) two collectors, one database'];
    console.log(
      `two collectors / one: ${(two['requests/s'] / Math.max(rows['(b) one collector']['requests/s'], 1)).toFixed(2)}x requests/s; goal 50,000 events/s: ${two['events/s stored'] >= 50_000 ? 'met' : 'not met'} (${two['events/s stored']})`,
    );
    for (const [name, row] of Object.entries(rows))
      if (row.missing) {
        console.log(`${name}: ${row.missing} ACKNOWLEDGED EVENTS MISSING`);
        process.exitCode = 1;
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
