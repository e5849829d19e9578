// `pnpm bench:audiences`: what audiences cost. (1) Ingest CPU per request with 20 definitions
// active against none, both collectors in this process on SQLite files, the same batches to each,
// in alternating rounds; the CPU of the evaluation counts (it is the collector's, off the request
// path), settled after each request and, as in a live collector, running beside the requests. Two
// loads, each on a fresh pair of collectors, from the same 2,000 returning visitors in 5-event batches
// of the shop's events (a page or two of a visit; the SDK sends every 2 s or 15 events):
//   browser: what the Kith SDK sends from the shop's pages, the clients a shop has most of: events
//     with the full browser context, random v4 messageIds and anonymous IDs, text/plain with the
//     write key in the body and a browser's headers, and the cookies the collector set on the
//     browser's first visit (a page view, and a login for the third who are customers, before the
//     measurement), sent back with each batch; the logged-in third carry their user ID.
//   server: the pessimistic case, what Segment's and RudderStack's server libraries send: bare
//     events with random v4 messageIds, JSON with Basic auth, no context and no cookies, so the
//     request's own work is smallest beside the evaluation's.
// Both send a buying visit in nearly every batch (BUYING_VISIT), so nearly every request changes
// what the definitions say: the costly case. A third load is a shop's traffic as it comes:
//   shop: the browser load's clients, cookies and context, but visits as a shop has them: mostly
//     product views; a batch adds to the cart one time in ten, starts a checkout one time in 25 and
//     holds an order one time in 40 (seeded). A visit sends two or three batches, so 5-7% of visits
//     buy: more than the 2-3% shops commonly convert, so this load does not flatter the evaluation.
// BENCH_AUDIENCE_LOADS (default `browser,server,shop`) chooses them. (2) A rebuild of every person from
// stored events (1M by default). (3) From a qualifying event's request to the webhook's receipt of
// `Audience Entered`, at 500 events/s.
// Reports, not tests; the machine may be shared, so compare the ratios within one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { cpuMs, loadAverage } from './process-cpu.ts';
import { createApp } from '../packages/collector/src/app.ts';
import { createAudienceEngine, type AudienceEngine } from '../packages/collector/src/audiences/engine.ts';
import { parseConfig } from '../packages/collector/src/config.ts';
import { DEVICE_COOKIE } from '../packages/collector/src/http/device-cookie.ts';
import { startForwarding } from '../packages/collector/src/forward/index.ts';
import { createSqliteStorage } from '../packages/collector/src/storage/sqlite/index.ts';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
import { startWebhookReceiver } from '../packages/collector/test/support/webhook-receiver.ts';
import type { KithEvent } from '../packages/sdk/src/contract.ts';
import {
  AUDIENCE_DEFINITIONS,
  BROWSER_HEADERS,
  BUYING_VISIT,
  browserCookieHeader,
  browserEvent,
  productProperties,
  seededRandom,
} from './traffic.ts';

const ROUNDS = Number(process.env.BENCH_AUDIENCE_ROUNDS ?? 4);
const BATCHES_PER_ROUND = Number(process.env.BENCH_AUDIENCE_BATCHES ?? 500);
const REBUILD_EVENTS = Number(process.env.BENCH_AUDIENCE_EVENTS ?? 1_000_000);
const LATENCY_SECONDS = Number(process.env.BENCH_AUDIENCE_SECONDS ?? 20);
const EVENTS_PER_SECOND = 500;
// The webhook forwarder's batch size (forward.batchSize): the config's default, 100, unless told.
// At this rate the changes are several times the events, and 100 a batch is what falls behind.
const FORWARD_BATCH = Number(process.env.BENCH_AUDIENCE_FORWARD_BATCH ?? 100);
const LOADS = parseLoads(process.env.BENCH_AUDIENCE_LOADS ?? 'browser,server,shop');
const VISITORS = 2000;
const SITE = 'bench';
const KEY = 'bench-key';
const SECRET = 'bench-audiences-webhook-secret-01';

const CATEGORIES = ['shoes', 'shirts', 'bags', 'hats'];

/**
 * What visitor `visitor` does as their `n`th event: the same for the browser and server loads, so the
 * definitions have the same work; the shop load names the event itself (`shopVisit`).
 */
function shopAction(
  visitor: number,
  n: number,
  event = BUYING_VISIT[(visitor * 7 + n) % BUYING_VISIT.length]!,
): { event: string; properties: Record<string, unknown> } {
  return {
    event,
    properties:
      event === 'Order Completed'
        ? { revenue: 20 + ((visitor * 13 + n) % 150), currency: 'EUR' }
        : { category: CATEGORIES[(visitor + n) % CATEGORIES.length] },
  };
}

/** A shop's event as a server sends it: no context; a third of the visitors known by user ID only. */
function shopEvent(visitor: number, n: number, at: string): Record<string, unknown> {
  return {
    type: 'track',
    messageId: `m-${visitor}-${n}-${Math.random().toString(36).slice(2)}`,
    ...(visitor % 3 === 0 ? { userId: `u${visitor}` } : { anonymousId: `a${visitor}` }),
    ...shopAction(visitor, n),
    timestamp: at,
  };
}

/** Each visitor's browser: the SDK's anonymous ID, and for the third who log in, their user ID. */
const browsers = Array.from({ length: VISITORS }, (_, visitor) => ({
  anonymousId: crypto.randomUUID(),
  ...(visitor % 3 === 0 ? { userId: `cus_${crypto.randomUUID().slice(0, 18)}` } : {}),
}));

/**
 * A visit's five events as a shop has them: product views, and at the end, one batch in ten adds to the
 * cart, one in 25 also starts a checkout, one in 40 also completes the order.
 */
function shopVisit(random: () => number): string[] {
  const draw = random();
  const funnel =
    draw < 1 / 40
      ? ['Product Added', 'Checkout Started', 'Order Completed']
      : draw < 1 / 25
        ? ['Product Added', 'Checkout Started']
        : draw < 1 / 10
          ? ['Product Added']
          : [];
  return [...Array<string>(5 - funnel.length).fill('Product Viewed'), ...funnel];
}

/** The same event as the SDK sends it from the shop's page: a product's properties, or an order's with its ID. */
function shopBrowserEvent(visitor: number, n: number, timestamp: string, name?: string): KithEvent {
  const { event, properties } = shopAction(visitor, n, name);
  const sku = (visitor * 31 + n) % 400;
  return browserEvent({
    type: 'track',
    messageId: crypto.randomUUID(),
    ...browsers[visitor]!,
    event,
    sku,
    timestamp,
    properties:
      event === 'Order Completed'
        ? { order_id: crypto.randomUUID(), ...properties }
        : { ...productProperties(sku), ...properties },
  });
}

type Load = 'browser' | 'server' | 'shop';

/** An operator's mistake in BENCH_AUDIENCE_LOADS exits 2 with what to write instead. */
function parseLoads(value: string): Load[] {
  const loads = value
    .split(',')
    .map((load) => load.trim())
    .filter((load) => load !== '');
  const unknown = loads.find((load) => load !== 'browser' && load !== 'server' && load !== 'shop');
  if (loads.length === 0 || unknown !== undefined) {
    console.error(`BENCH_AUDIENCE_LOADS=${value}: write browser, server, shop or several, comma-separated.`);
    process.exit(2);
  }
  return loads as Load[];
}

async function collector(dir: string, name: string, withDefinitions: boolean, forward?: object, fromBrowsers = false) {
  const storage = createSqliteStorage({ path: join(dir, `${name}.db`) });
  await storage.migrate();
  const config = parseConfig({
    sites: [
      { id: SITE, writeKey: KEY, origins: ['https://shop.example'], ...(withDefinitions ? AUDIENCE_DEFINITIONS : {}) },
    ],
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
    // app.request has no socket: the address a runtime would report for a browser comes from here.
    ...(fromBrowsers ? { clientInfo: () => ({ address: '198.51.100.23' }) } : {}),
  });
  const post = async (request: { headers: Record<string, string>; body: string }) => {
    const response = await app.request('/v1/batch', { method: 'POST', ...request });
    if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
    return response;
  };
  const send = (batch: Record<string, unknown>[]) => post(serverRequest(batch));
  return { storage, config, audiences, post, send };
}

/** A batch as a server library posts it: JSON, the write key as Basic auth. */
const serverRequest = (batch: Record<string, unknown>[]) => ({
  headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${KEY}:`)}` },
  body: JSON.stringify({ batch }),
});

/** A batch as the SDK posts it: text/plain with the write key in the body, from the shop's page. */
const browserBody = (batch: KithEvent[], sentAt: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ batch, sentAt: new Date(sentAt).toISOString(), writeKey: KEY, ...extra });

type Collector = Awaited<ReturnType<typeof collector>>;

/**
 * Each browser's first visit to `target`, before the measurement: a page view (the SDK's first batch asks to
 * restore its ID), and a login for the customers; returns the Cookie header each browser then sends.
 */
async function firstVisits(target: Collector): Promise<string[]> {
  const cookies: string[] = [];
  for (const [visitor, { anonymousId, userId }] of browsers.entries()) {
    const batch = [browserEvent({ type: 'page', messageId: crypto.randomUUID(), anonymousId })];
    if (userId) batch.push(browserEvent({ type: 'identify', messageId: crypto.randomUUID(), anonymousId, userId }));
    const response = await target.post({
      headers: BROWSER_HEADERS,
      body: browserBody(batch, Date.now(), { restore: anonymousId }),
    });
    const setCookies = response.headers.getSetCookie();
    // Without the device cookie the load would not be what browsers send.
    if (!setCookies.some((line) => line.startsWith(`${DEVICE_COOKIE}=`)))
      throw new Error(`a first visit got no ${DEVICE_COOKIE} cookie: ${setCookies.join(', ') || 'none'}`);
    cookies[visitor] = browserCookieHeader(setCookies, anonymousId);
  }
  await target.audiences?.settled();
  return cookies;
}

/** Round `round`'s batches of `load`, the same to both collectors; a browser's cookies are each collector's own. */
function roundBatches(load: Load, round: number) {
  const random = seededRandom(round + 1);
  const batches = Array.from({ length: BATCHES_PER_ROUND }, (_, i) => {
    const visitor = (round * BATCHES_PER_ROUND + i) % VISITORS;
    if (load === 'server') {
      // As Segment's and RudderStack's server libraries send them: a random v4 messageId on each event.
      const at = new Date().toISOString();
      const batch = Array.from({ length: 5 }, (_, n) => ({
        ...shopEvent(visitor, round * 5 + n, at),
        messageId: crypto.randomUUID(),
      }));
      return { visitor, ...serverRequest(batch) };
    }
    // A visit's events over the seconds before the SDK sends them.
    const sentAt = Date.now();
    const names = load === 'shop' ? shopVisit(random) : [];
    const batch = Array.from({ length: 5 }, (_, n) =>
      shopBrowserEvent(visitor, round * 5 + n, new Date(sentAt - (5 - n) * 1500).toISOString(), names[n]),
    );
    return { visitor, headers: BROWSER_HEADERS, body: browserBody(batch, sentAt) };
  });
  return (cookies: string[] | undefined) =>
    batches.map(({ visitor, headers, body }) => ({
      headers: cookies ? { ...headers, cookie: cookies[visitor]! } : headers,
      body,
    }));
}

const dir = mkdtempSync(join(tmpdir(), 'kith-bench-audiences-'));
try {
  console.log(`${cpus().length} cores, Node ${process.versions.node}; SQLite; load average ${loadAverage()}`);

  // (1) Ingest CPU per request: 5-event batches of 2,000 returning visitors to both collectors, for each
  // load in two shapes. "One at a time": the evaluation settled after each request, as if one visitor
  // sent at a time (its change events take a commit of their own). "Beside the requests": the requests
  // one after another and the evaluation running beside them as in a live collector, settled at the
  // end of each round (its changes share commits). Either way every CPU millisecond of it counts.
  // The batches are made before the clock starts: a client's work is not the collector's.
  for (const load of ROUNDS > 0 ? LOADS : []) {
    const fromBrowsers = load !== 'server';
    const plain = await collector(dir, `${load}-plain`, false, undefined, fromBrowsers);
    const defined = await collector(dir, `${load}-defined`, true, undefined, fromBrowsers);
    const cookies = new Map<Collector, string[]>();
    if (fromBrowsers) for (const target of [plain, defined]) cookies.set(target, await firstVisits(target));
    // How many change events the definitions' collector stored: what a load asks of the evaluation.
    const changeEvents = () => {
      const db = new DatabaseSync(join(dir, `${load}-defined.db`), { readOnly: true });
      try {
        return (db.prepare('select count(*) as n from events where computed_slot is not null').get() as { n: number })
          .n;
      } finally {
        db.close();
      }
    };
    for (const shape of ['one at a time', 'beside the requests'] as const) {
      const cpu = { plain: 0, defined: 0 };
      const changesBefore = changeEvents();
      for (let round = 0; round < ROUNDS; round++) {
        const addressed = roundBatches(load, round);
        // Alternating which goes first, so that neither always meets a warmer or a busier machine.
        const order = round % 2 === 0 ? (['plain', 'defined'] as const) : (['defined', 'plain'] as const);
        for (const which of order) {
          const target = which === 'plain' ? plain : defined;
          const requests = addressed(cookies.get(target));
          const started = cpuMs();
          for (const request of requests) {
            await target.post(request);
            if (shape === 'one at a time') await target.audiences?.settled();
          }
          await target.audiences?.settled();
          cpu[which] += cpuMs() - started;
        }
      }
      const requests = ROUNDS * BATCHES_PER_ROUND;
      console.log(
        `ingest CPU per request, ${load} load, evaluation ${shape} (${requests} requests of 5 events each): none ${(cpu.plain / requests).toFixed(3)} ms, 20 definitions ${(cpu.defined / requests).toFixed(3)} ms, ratio ${(cpu.defined / cpu.plain).toFixed(2)}x (target at most 1.3x), ${((changeEvents() - changesBefore) / requests).toFixed(2)} change events a request; load average ${loadAverage()}`,
      );
    }
    await Promise.all([plain.storage.close(), defined.storage.close()]);
  }

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
    `rebuild of ${written} events: ${rebuildSeconds.toFixed(1)} s for ${result.persons} persons and ${result.changes} changes (target within 60 s); writing them took ${writeSeconds.toFixed(1)} s; load average ${loadAverage()}`,
  );
  await rebuilt.storage.close();

  // Skipped with BENCH_AUDIENCE_SECONDS=0 (it printed no latency, only undefined).
  if (LATENCY_SECONDS > 0) {
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
    while (latencies().length < ticks && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const sorted = latencies().sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const achieved = (ticks * 10) / ((performance.now() - started) / 1000);
    console.log(
      `qualifying event to webhook receipt at ${EVENTS_PER_SECOND} events/s offered, forwarded ${FORWARD_BATCH} a batch (${Math.round(achieved)} achieved over the run): p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${sorted.at(-1)} ms over ${sorted.length} of ${ticks} entries (target p95 under 1000 ms); load average ${loadAverage()}`,
    );
    // The evaluations still queued finish before storage closes.
    await live.audiences!.settled();
    await forwarding.stop();
    await receiver.close();
    await live.storage.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
