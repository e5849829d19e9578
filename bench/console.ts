// `pnpm bench:console`: the console's server time per page on a filled SQLite store, and what the
// live view costs ingest (CPU per batch with nobody watching, and with one viewer's stream open).
// Scale with BENCH_PERSONS (default 10,000) and BENCH_EVENTS_PER_PERSON (default 10); the issue's
// figure is 100,000 persons and 1M events (BENCH_PERSONS=100000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent, WriteSet } from '../packages/collector/src/storage/storage.ts';
import { ADMIN_TOKEN, SITE, WRITE_KEY, inProcessCollector, quantiles, timeEach } from './in-process.ts';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 10_000);
const EVENTS_PER_PERSON = Number(process.env.BENCH_EVENTS_PER_PERSON ?? 10);
const INGEST_BATCHES = 2000;

const dir = mkdtempSync(join(tmpdir(), 'kith-bench-console-'));
try {
  const { app, storage } = await inProcessCollector(dir, `sqlite:${join(dir, 'kith.db')}`);
  const day = (i: number) => new Date(Date.UTC(2026, 4, 1 + (i % 30), 12, 0, i % 60)).toISOString();

  // Filled through the Storage interface, a thousand persons per write set.
  const started = performance.now();
  for (let from = 0; from < PERSONS; from += 1000) {
    const set: WriteSet = { events: [], consents: [], rejected: [], links: [], traits: [] };
    for (let p = from; p < Math.min(PERSONS, from + 1000); p++) {
      const anonymousId = `anon-${p}`;
      const userId = p % 3 === 0 ? `customer-${p}` : undefined;
      for (let e = 0; e < EVENTS_PER_PERSON; e++) {
        const event: StoredEvent = {
          type: 'track',
          event: e % 4 === 0 ? 'Order Completed' : 'Product Viewed',
          messageId: `m-${p}-${e}`,
          anonymousId,
          site: SITE,
          timestamp: day(p + e),
          receivedAt: day(p + e),
          properties: { sku: `sku-${e}` },
        };
        if (userId) event.userId = userId;
        set.events.push(event);
      }
      set.consents.push({
        site: SITE,
        messageId: `c-${p}`,
        anonymousId,
        timestamp: day(p),
        receivedAt: day(p),
        consent: {
          policyVersion: '1',
          method: p % 5 === 0 ? 'reject-all' : 'accept-all',
          categories: { necessary: true, analytics: p % 5 !== 0, marketing: false },
        },
      });
      if (userId) {
        set.links!.push({
          site: SITE,
          from: { kind: 'anonymous', id: anonymousId },
          to: { kind: 'user', id: userId },
          how: 'login',
          source: `m-${p}-0`,
          at: day(p),
        });
        set.traits!.push({
          site: SITE,
          node: { kind: 'user', id: userId },
          traits: { email: `customer-${p}@example.com` },
          at: day(p),
        });
      }
    }
    await storage.write(set);
  }
  console.log(
    `filled ${PERSONS} persons, ${PERSONS * EVENTS_PER_PERSON} events in ${Math.round((performance.now() - started) / 1000)} s`,
  );

  const signIn = await app.request('/console/signin', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `token=${ADMIN_TOKEN}`,
  });
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const someone = PERSONS - (PERSONS % 3) - 3;
  const pages = {
    'persons (recent)': `/console`,
    'search by e-mail': `/console?q=customer-${someone}%40example.com`,
    'search by ID prefix': `/console?q=customer-${String(someone).slice(0, 3)}`,
    'person page': `/console/person/user/customer-${someone}`,
    'live page': '/console/live',
    'live events (JSON)': '/console/live/events',
    'overview, 30 days': '/console/overview?from=2026-05-01&to=2026-05-30',
    destinations: '/console/destinations',
  };
  const rows: Record<string, { p50: number; p99: number }> = {};
  for (const [name, path] of Object.entries(pages)) {
    const times = await timeEach(30, { maxSeconds: 20, minSamples: 5 }, async () => {
      const res = await app.request(path, { headers: { Cookie: cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    });
    rows[name] = quantiles(times);
  }
  console.log('console server time, ms');
  console.table(rows);

  // Ingest's CPU per batch: nobody watching, then one viewer's live stream open and read.
  const batch = (n: number) =>
    JSON.stringify({
      batch: Array.from({ length: 10 }, (_, i) => ({
        type: 'track',
        event: 'Product Viewed',
        messageId: `live-${n}-${i}-${Math.random()}`,
        anonymousId: `live-${n % 100}`,
      })),
    });
  const ingest = async (label: string) => {
    const cpu = process.cpuUsage();
    for (let n = 0; n < INGEST_BATCHES; n++) {
      const res = await app.request('/v1/batch', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
        body: batch(n),
      });
      await res.arrayBuffer();
    }
    const used = process.cpuUsage(cpu);
    return { label, cpuMsPerBatch: Math.round(((used.user + used.system) / 1000 / INGEST_BATCHES) * 1000) / 1000 };
  };
  const idle = await ingest('nobody watching');
  const stream = await app.request('/console/live/stream', { headers: { Cookie: cookie } });
  const reader = stream.body!.getReader();
  let received = 0;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      received += value.byteLength;
    }
  })();
  const watched = await ingest('one viewer streaming');
  await reader.cancel();
  await reading.catch(() => {});
  const idleAgain = await ingest('nobody watching, again');
  console.table([idle, watched, idleAgain]);
  console.log(
    `one viewer: ${(watched.cpuMsPerBatch / ((idle.cpuMsPerBatch + idleAgain.cpuMsPerBatch) / 2)).toFixed(3)}x the CPU per batch of nobody watching (${received} bytes streamed)`,
  );
  await storage.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
