// `pnpm bench:console`: the console's server time per page on a filled SQLite store, and what the
// live view costs ingest (CPU per batch with nobody watching, and with one viewer's stream open).
// The issue's size is the default: 100,000 persons and 1M events (BENCH_PERSONS, BENCH_EVENTS_PER_PERSON).
// The store is filled through the Storage interface's write path, in large transactions, with the
// shapes real traffic has: random v4 messageIds and IDs, one to three devices per person (each an
// anonymous ID with its device cookie), a consent per device, a third of persons logged in.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent, WriteSet } from '../packages/collector/src/storage/storage.ts';
import { ADMIN_TOKEN, SITE, WRITE_KEY, inProcessCollector, timeEach } from './in-process.ts';

const PERSONS = Number(process.env.BENCH_PERSONS ?? 100_000);
const EVENTS_PER_PERSON = Number(process.env.BENCH_EVENTS_PER_PERSON ?? 10);
const PERSONS_PER_WRITE = 2000;
const INGEST_BATCHES = 2000;
const EVENT_NAMES = ['Product Viewed', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];
const METHODS = ['accept-all', 'accept-all', 'accept-all', 'reject-all', 'custom', 'gpc'] as const;

const dir = mkdtempSync(join(tmpdir(), 'kith-bench-console-'));
try {
  // No refit of predictions in the background: it would run among the timed requests.
  const { app, storage } = await inProcessCollector(dir, `sqlite:${join(dir, 'kith.db')}`, {
    predictions: { refitHours: 0 },
  });
  // 90 days of traffic: a person's events fall on one to three nearby days.
  const at = (personDay: number, offset: number, second: number) =>
    new Date(
      Date.UTC(2026, 3, 1 + ((personDay + offset) % 90), 8 + (second % 12), second % 60, second % 60),
    ).toISOString();

  const started = performance.now();
  let someone = '';
  for (let from = 0; from < PERSONS; from += PERSONS_PER_WRITE) {
    const set: WriteSet = { events: [], consents: [], rejected: [], links: [], traits: [] };
    for (let p = from; p < Math.min(PERSONS, from + PERSONS_PER_WRITE); p++) {
      const personDay = (p * 7919) % 90;
      const userId = p % 3 === 0 ? randomUUID() : undefined;
      const devices = Array.from({ length: 1 + (p % 3) }, () => ({
        anonymousId: randomUUID(),
        deviceId: randomUUID(),
      }));
      devices.forEach((device, d) => {
        const when = at(personDay, d, p);
        set.links!.push({
          site: SITE,
          from: { kind: 'device', id: device.deviceId },
          to: { kind: 'anonymous', id: device.anonymousId },
          how: 'cookie',
          source: randomUUID(),
          at: when,
        });
        const method = METHODS[(p + d) % METHODS.length]!;
        set.consents.push({
          site: SITE,
          messageId: randomUUID(),
          anonymousId: device.anonymousId,
          timestamp: when,
          receivedAt: when,
          consent: {
            policyVersion: p % 10 === 0 ? '1' : '2',
            method,
            categories: { necessary: true, analytics: method !== 'reject-all', marketing: method === 'accept-all' },
          },
        });
        if (userId) {
          set.links!.push({
            site: SITE,
            from: { kind: 'anonymous', id: device.anonymousId },
            to: { kind: 'user', id: userId },
            how: 'login',
            source: randomUUID(),
            at: when,
          });
        }
      });
      if (userId) {
        set.traits!.push({
          site: SITE,
          node: { kind: 'user', id: userId },
          traits: { email: `customer-${p}@example.com` },
          at: at(personDay, 0, p),
        });
        someone = `customer-${p}@example.com`;
      }
      for (let e = 0; e < EVENTS_PER_PERSON; e++) {
        const device = devices[e % devices.length]!;
        const when = at(personDay, e % devices.length, p + e);
        const event: StoredEvent = {
          type: e === 0 ? 'page' : 'track',
          messageId: randomUUID(),
          anonymousId: device.anonymousId,
          deviceId: device.deviceId,
          site: SITE,
          timestamp: when,
          receivedAt: when,
          properties: { sku: `sku-${(p * 31 + e) % 500}`, price: 10 + ((p + e) % 90) },
          context: { page: { path: `/product/${e}`, url: `https://shop.example/product/${e}` } },
        };
        if (e === 0) event.name = 'Home';
        else event.event = EVENT_NAMES[(p + e) % EVENT_NAMES.length]!;
        if (userId && e > 0) event.userId = userId;
        set.events.push(event);
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
  const found = await storage.findPersons(SITE, someone, 1);
  const person = found[0]!;
  const pages = {
    'persons (recent)': `/console`,
    'search by e-mail': `/console?q=${encodeURIComponent(someone)}`,
    'search by e-mail prefix': `/console?q=${encodeURIComponent(someone.slice(0, 12))}`,
    'search by ID prefix': `/console?q=${person.id.slice(0, 4)}`,
    'person page': `/console/person/${person.kind}/${person.id}`,
    'live page': '/console/live',
    'live events (JSON)': '/console/live/events',
    'overview, 30 days': '/console/overview?from=2026-05-01&to=2026-05-30',
    'overview, 90 days': '/console/overview?from=2026-04-01&to=2026-06-29',
    'figures, 30 days': '/console/figures?from=2026-05-01&to=2026-05-30',
    destinations: '/console/destinations',
  };
  const at2 = (sorted: number[], q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
  const rows: Record<string, { p50: number; p95: number; samples: number }> = {};
  for (const [name, path] of Object.entries(pages)) {
    const times = await timeEach(30, { maxSeconds: 20, minSamples: 5 }, async () => {
      const res = await app.request(path, { headers: { Cookie: cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    });
    rows[name] = { p50: at2(times, 0.5), p95: at2(times, 0.95), samples: times.length };
  }
  console.log(`console server time, ms, over ${PERSONS} persons and ${PERSONS * EVENTS_PER_PERSON} events`);
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
