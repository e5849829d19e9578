// Collector throughput, side by side in one run on loopback: (a) a bare node:http server that
// reads the same body, (b) the Node collector with its full pipeline on SQLite. Same 20-event
// batch, unique messageIds per request; afterwards every acknowledged event must be in storage.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const EVENTS_PER_BATCH = 20;

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Result {
  name: string;
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
}

/** A realistic browser batch: page views and product events with full context. */
function batchBody(requestNumber: number): string {
  const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
    type: i % 4 === 0 ? 'page' : 'track',
    event: i % 4 === 0 ? undefined : 'Product Viewed',
    messageId: `bench-${requestNumber}-${i}`,
    anonymousId: `anon-${requestNumber % 5000}`,
    timestamp: new Date().toISOString(),
    properties: { sku: `sku-${i}`, name: 'Kith Mug', price: 12.5, currency: 'EUR', category: 'kitchen' },
    context: {
      page: { url: 'https://shop.example/product/kith-mug?ref=home', path: '/product/kith-mug', referrer: 'https://shop.example/', title: 'Kith Mug', search: '?ref=home' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      locale: 'de-DE',
      timezone: 'Europe/Berlin',
      screen: { width: 1920, height: 1080 },
      library: { name: 'kith', version: '0.1.0' },
      consent: { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: false } },
    },
  }));
  return JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey: 'bench-key' });
}

function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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

async function stop(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function load(name: string, url: string): Promise<Result> {
  let requestNumber = 0;
  const result = await autocannon({
    url: `${url}/v1/batch`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [{ setupRequest: (request) => ({ ...request, body: batchBody(requestNumber++) }) }],
  });
  const ok = result['2xx'];
  return {
    name,
    requestsPerSecond: Math.round(ok / DURATION_S),
    eventsPerSecond: Math.round((ok * EVENTS_PER_BATCH) / DURATION_S),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

export async function benchCollector(): Promise<{ results: Result[]; stored: number; acknowledged: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-'));
  try {
    const bare = await start(['bench/bare-server.ts']);
    const a = await load('(a) bare node:http', bare.url);
    await stop(bare.child);

    const config = join(dir, 'kith.config.json');
    writeFileSync(config, JSON.stringify({ sites: [{ id: 'bench', writeKey: 'bench-key', origins: [] }], rateLimit: { perAddress: 0, perSite: 0 } }));
    const db = join(dir, 'kith.db');
    const collector = await start(['packages/collector/src/runtime/node.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--storage', `sqlite:${db}`, '--config', config], { KITH_ADMIN_TOKEN: 'bench' });
    const b = await load('(b) collector, SQLite', collector.url);
    await stop(collector.child);

    const sqlite = new DatabaseSync(db);
    const stored = (sqlite.prepare('select count(*) as n from events').get() as { n: number }).n;
    sqlite.close();
    return { results: [a, b], stored, acknowledged: b.ok * EVENTS_PER_BATCH };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
