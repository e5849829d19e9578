// `pnpm bench:audiences`: what audiences cost. (1) Ingest CPU per request with 20 definitions
// active against none, both collectors in this process on SQLite files, the same batches to each,
// in alternating rounds; the CPU of the evaluation counts (it is the collector's, off the request
// path), settled after each request and, as in a live collector, running beside the requests. (2) A rebuild of every person from stored events (1M by default). (3) From
// a qualifying event's request to the webhook's receipt of `Audience Entered`, at 500 events/s.
// Reports, not tests; the machine may be shared, so compare the ratios within one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../packages/collector/src/app.ts';
import { createAudienceEngine, type AudienceEngine } from '../packages/collector/src/audiences/engine.ts';
import { parseConfig } from '../packages/collector/src/config.ts';
import { startForwarding } from '../packages/collector/src/forward/index.ts';
import { createSqliteStorage } from '../packages/collector/src/storage/sqlite/index.ts';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
import { startWebhookReceiver } from '../packages/collector/test/support/webhook-receiver.ts';

const ROUNDS = Number(process.env.BENCH_AUDIENCE_ROUNDS ?? 4);
const BATCHES_PER_ROUND = Number(process.env.BENCH_AUDIENCE_BATCHES ?? 500);
const REBUILD_EVENTS = Number(process.env.BENCH_AUDIENCE_EVENTS ?? 1_000_000);
const LATENCY_SECONDS = Number(process.env.BENCH_AUDIENCE_SECONDS ?? 20);
const EVENTS_PER_SECOND = 500;
// The webhook forwarder's batch size (forward.batchSize): the config's default, 100, unless told.
// At this rate the changes are several times the events, and 100 a batch is what falls behind.
const FORWARD_BATCH = Number(process.env.BENCH_AUDIENCE_FORWARD_BATCH ?? 100);
const SITE = 'bench';
const KEY = 'bench-key';
const SECRET = 'bench-audiences-webhook-secret-01';

/** Twenty definitions a shop might keep: 3 computed traits, 10 audiences, the 7 default stages. */
const DEFINITIONS = {
  traits: [
    { key: 'lifetime_revenue', definition: "event('Order Completed').sum(property('revenue'))" },
    { key: 'favourite_category', definition: "event('Product Viewed').within(30 days).mode(property('category'), 1)" },
    { key: 'orders_last_year', definition: "event('Order Completed').within(365 days).count()" },
  ],
  audiences: [
    { key: 'repeat_buyers', definition: "event('Order Completed').within(365 days).count() >= 2" },
    { key: 'big_spenders', definition: "trait('lifetime_revenue') > 100" },
    {
      key: 'big_orders',
      definition: "event('Order Completed').where( property('revenue') > 100 ).within(30 days).count() >= 1",
    },
    { key: 'browsers', definition: "event('Product Viewed').within(7 days).count() >= 3" },
    {
      key: 'cart_abandoners',
      definition:
        "event('Product Added').within(7 days).count() >= 1 AND event('Order Completed').within(7 days).count() = 0",
    },
    { key: 'shoes_fans', definition: "event('Product Viewed').where( property('category') = 'shoes' ).count() >= 2" },
    {
      key: 'lapsed_customers',
      definition: "event('Order Completed').count() >= 1 AND event('Order Completed').within(60 days).count() = 0",
    },
    { key: 'new_visitors', definition: "event('Product Viewed').between(0 days, 2 days).count() >= 1" },
    { key: 'checkout_starters', definition: "event('Checkout Started').within(30 days).count() >= 1" },
    { key: 'pro_plan', definition: "trait('plan') = 'pro'" },
  ],
  stages: 'default' as const,
};

const CATEGORIES = ['shoes', 'shirts', 'bags', 'hats'];
const NAMES = [
  'Product Viewed',
  'Product Viewed',
  'Product Viewed',
  'Product Added',
  'Checkout Started',
  'Order Completed',
];

function shopEvent(visitor: number, n: number, at: string): Record<string, unknown> {
  const name = NAMES[(visitor * 7 + n) % NAMES.length]!;
  return {
    type: 'track',
    messageId: `m-${visitor}-${n}-${Math.random().toString(36).slice(2)}`,
    ...(visitor % 3 === 0 ? { userId: `u${visitor}` } : { anonymousId: `a${visitor}` }),
    event: name,
    properties:
      name === 'Order Completed'
        ? { revenue: 20 + ((visitor * 13 + n) % 150), currency: 'EUR' }
        : { category: CATEGORIES[(visitor + n) % CATEGORIES.length] },
    timestamp: at,
  };
}

async function collector(dir: string, name: string, withDefinitions: boolean, forward?: object) {
  const storage = createSqliteStorage({ path: join(dir, `${name}.db`) });
  await storage.migrate();
  const config = parseConfig({
    sites: [{ id: SITE, writeKey: KEY, origins: [], ...(withDefinitions ? DEFINITIONS : {}) }],
    rateLimit: { perAddress: 0, perSite: 0 },
    ...(forward ? { forward } : {}),
  });
  const engine = createAudienceEngine({ storage, config });
  const audiences: AudienceEngine | undefined = engine.definitions(SITE) ? engine : undefined;
  const app = createApp({
    storage,
    config,
    adminToken: 'bench-admin-token-0123',
    sdkScript: '',
    sdkBanner: '',
    ...(audiences ? { audiences } : {}),
  });
  const send = async (batch: Record<string, unknown>[]) => {
    const response = await app.request('/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${KEY}:`)}` },
      body: JSON.stringify({ batch }),
    });
    if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
  };
  return { storage, config, audiences, send };
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const round1 = (x: number) => Math.round(x * 10) / 10;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

const dir = mkdtempSync(join(tmpdir(), 'kith-bench-audiences-'));
try {
  console.log(`${cpus().length} cores, Node ${process.versions.node}; SQLite; load average ${load()}`);

  // (1) Ingest CPU per request: the same 5-event batches of 2,000 returning visitors to both collectors,
  // in two shapes. "One at a time": the evaluation settled after each request, as if one visitor
  // sent at a time (its change events take a commit of their own). "Beside the requests": the requests
  // one after another and the evaluation running beside them as in a live collector, settled at the
  // end of each round (its changes share commits). Either way every CPU millisecond of it counts.
  const plain = await collector(dir, 'plain', false);
  const defined = await collector(dir, 'defined', true);
  for (const shape of ['one at a time', 'beside the requests'] as const) {
    const cpu = { plain: 0, defined: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const batches = Array.from({ length: BATCHES_PER_ROUND }, (_, i) => {
        const visitor = (round * BATCHES_PER_ROUND + i) % 2000;
        const at = new Date().toISOString();
        return Array.from({ length: 5 }, (_, n) => shopEvent(visitor, round * 5 + n, at));
      });
      // Alternating which goes first, so that neither always meets a warmer or a busier machine.
      const order = round % 2 === 0 ? (['plain', 'defined'] as const) : (['defined', 'plain'] as const);
      for (const which of order) {
        const target = which === 'plain' ? plain : defined;
        const started = cpuMs();
        for (const batch of batches) {
          await target.send(batch);
          if (shape === 'one at a time') await target.audiences?.settled();
        }
        await target.audiences?.settled();
        cpu[which] += cpuMs() - started;
      }
    }
    const requests = ROUNDS * BATCHES_PER_ROUND;
    console.log(
      `ingest CPU per request, evaluation ${shape} (${requests} requests of 5 events each): none ${round1(cpu.plain / requests)} ms, 20 definitions ${round1(cpu.defined / requests)} ms, ratio ${(cpu.defined / cpu.plain).toFixed(2)}x (target at most 1.3x); load average ${load()}`,
    );
  }
  await Promise.all([plain.storage.close(), defined.storage.close()]);

  // (2) Rebuild: REBUILD_EVENTS events of persons of 10 events each, written in large sets, then every person evaluated.
  const rebuilt = await collector(dir, 'rebuild', true);
  const now = Date.now();
  let written = 0;
  const writeStarted = performance.now();
  while (written < REBUILD_EVENTS) {
    const events: StoredEvent[] = [];
    for (let i = 0; i < 5000 && written + i < REBUILD_EVENTS; i++) {
      const n = written + i;
      const at = new Date(now - (n % 200) * 86_400_000).toISOString();
      events.push({
        ...(shopEvent(Math.floor(n / 10), n % 10, at) as unknown as StoredEvent),
        site: SITE,
        receivedAt: at,
      });
    }
    await rebuilt.storage.write({ events, consents: [], rejected: [] });
    written += events.length;
  }
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  const rebuildStarted = performance.now();
  const result = await rebuilt.audiences!.rebuild(SITE);
  const rebuildSeconds = (performance.now() - rebuildStarted) / 1000;
  console.log(
    `rebuild of ${written} events: ${rebuildSeconds.toFixed(1)} s for ${result.persons} persons and ${result.changes} changes (target within 60 s); writing them took ${writeSeconds.toFixed(1)} s; load average ${load()}`,
  );
  await rebuilt.storage.close();

  // (3) Qualifying event to the webhook's receipt at 500 events/s: 50 batches of 10 a second, each
  // with a buyer's second order (Audience Entered for repeat_buyers) and nine views of others.
  const receiver = await startWebhookReceiver(SECRET);
  const live = await collector(dir, 'live', true, {
    webhooks: [{ id: 'crm', url: receiver.url, secret: SECRET }],
    pollMs: 50,
    batchSize: FORWARD_BATCH,
  });
  const forwarding = startForwarding(live.storage, live.config.forward!, { owner: 'bench' });
  const sentAt = new Map<string, number>();
  const order = (userId: string, n: number) => ({
    type: 'track',
    messageId: `o-${userId}-${n}`,
    userId,
    event: 'Order Completed',
    properties: { revenue: 30 },
    timestamp: new Date().toISOString(),
  });
  const ticks = LATENCY_SECONDS * 50;
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    const buyer = `buyer-${tick}`;
    const at = new Date().toISOString();
    const views = Array.from({ length: 9 }, (_, n) => shopEvent(100_000 + ((tick * 9 + n) % 5000), tick, at));
    await live.send([order(buyer, 1), ...views.slice(0, 4)]);
    const sent = Date.now();
    await live.send([order(buyer, 2), ...views.slice(4)]);
    sentAt.set(buyer, sent);
    // Paced to 500 events/s: the next 20 ms slot.
    const wait = started + (tick + 1) * 20 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const deadline = Date.now() + 10_000;
  const latencies = () =>
    receiver.requests
      .filter((r) => r.status < 300)
      .flatMap((r) =>
        r.batch
          .filter((e) => e.event === 'Audience Entered' && e.properties?.audience_key === 'repeat_buyers')
          .map((e) => r.at - sentAt.get(e.userId ?? '')!),
      );
  while (latencies().length < ticks && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const sorted = latencies().sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const achieved = (ticks * 10) / ((performance.now() - started) / 1000);
  console.log(
    `qualifying event to webhook receipt at ${EVENTS_PER_SECOND} events/s offered, forwarded ${FORWARD_BATCH} a batch (${Math.round(achieved)} achieved over the run): p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${sorted.at(-1)} ms over ${sorted.length} of ${ticks} entries (target p95 under 1000 ms); load average ${load()}`,
  );
  // The evaluations still queued finish before storage closes.
  await live.audiences!.settled();
  await forwarding.stop();
  await receiver.close();
  await live.storage.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
