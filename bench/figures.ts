// `pnpm bench:figures`: a report, not a test. BG/NBD + Gamma-Gamma fitted on 100,000 simulated
// customers, and a month's shop figures over 1,000,000 stored events (SQLite), each beside what
// the same machine takes in the same run for the bare part underneath it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { fitPredictions } from '../packages/collector/src/figures/predict.ts';
import { siteFigures } from '../packages/collector/src/figures/service.ts';
import { parsePeriod } from '../packages/collector/src/figures/period.ts';
import type { Order } from '../packages/collector/src/figures/transactions.ts';
import { createSqliteStorage } from '../packages/collector/src/storage/sqlite/index.ts';
import { siteVisitors as scanVisitors } from '../packages/collector/src/storage/sqlite-dialect/figures-queries.ts';
import { figuresByScan } from '../packages/collector/test/support/figures-by-scan.ts';
import type { IdentityLink, StoredEvent } from '../packages/collector/src/storage/storage.ts';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);

/** A seeded generator (mulberry32): the same shop on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const next = random(7);
/** Gamma(shape, scale) by Marsaglia and Tsang (shape < 1 boosted). */
function gamma(shape: number, scale: number): number {
  if (shape < 1) return gamma(shape + 1, scale) * Math.pow(next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = next();
      const u2 = next();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

/** Customers who buy and drop out as BG/NBD says, with the CDNOW paper's parameters; 78 weeks from their first order. */
function simulatedOrders(customers: number): Order[] {
  const orders: Order[] = [];
  for (let i = 0; i < customers; i++) {
    const rate = gamma(0.243, 1 / 4.414);
    const x1 = gamma(0.793, 1);
    const dropout = x1 / (x1 + gamma(2.426, 1));
    const first = Math.floor(next() * 84);
    const value = 15 + gamma(6.25, 1) * 4;
    orders.push({ customer: `c${i}`, day: first, value });
    let week = first / 7;
    for (;;) {
      if (next() < dropout) break;
      week += -Math.log(next()) / rate;
      if (week * 7 >= 84 + 546) break;
      orders.push({ customer: `c${i}`, day: Math.floor(week * 7), value: value * (0.5 + next()) });
    }
  }
  return orders;
}

console.log(`${cpus().length} cores, Node ${process.versions.node}`);

const orders = simulatedOrders(CUSTOMERS);
let started = performance.now();
const model = fitPredictions(orders, 84 + 273);
const fitSeconds = (performance.now() - started) / 1000;
started = performance.now();
let sum = 0;
for (const order of orders) sum += order.value * order.day;
const passSeconds = (performance.now() - started) / 1000;
console.log(
  `fit on ${model.customers} customers (${orders.length} orders): ${fitSeconds.toFixed(2)} s; one pass over the orders alone ${(passSeconds * 1000).toFixed(1)} ms (${sum > 0 ? 'checked' : ''})`,
);
console.log(
  `  recovered BG/NBD ${JSON.stringify(round(model.bgnbd))} (simulated r 0.243, alpha 4.414, a 0.793, b 2.426); holdout ${JSON.stringify(round(model.holdout ?? {}))}`,
);

const seconds = async <T>(work: () => Promise<T>) => {
  const start = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - start) / 1000 };
};

// 1,000,000 events in June, as clients send them (random v4 messageIds and anonymous IDs): 50,000
// visitors on 1 to 3 devices (1.4 on average), a quarter logged in on every device (the login links
// them into one person), 4% of the events orders with revenue and products.
const VISITORS = 50_000;
const devicesOf = (visitor: number) => 1 + (visitor % 10 < 3 ? 1 : 0) + (visitor % 10 === 0 ? 1 : 0);
const deviceIds = Array.from({ length: VISITORS }, (_, visitor) =>
  Array.from({ length: devicesOf(visitor) }, () => crypto.randomUUID()),
);
const dir = mkdtempSync(join(tmpdir(), 'kith-bench-figures-'));
try {
  const path = join(dir, 'kith.db');
  const storage = createSqliteStorage({ path });
  await storage.migrate();
  const logins: IdentityLink[] = [];
  for (let visitor = 0; visitor < VISITORS; visitor += 4)
    for (const device of deviceIds[visitor]!)
      logins.push({
        site: 'shop',
        from: { kind: 'anonymous', id: device },
        to: { kind: 'user', id: `u${visitor}` },
        how: 'login',
        source: `login-${device}`,
        at: '2026-05-31T00:00:00.000Z',
      });
  for (let start = 0; start < logins.length; start += 10_000)
    await storage.write({ events: [], consents: [], rejected: [], links: logins.slice(start, start + 10_000) });
  const shopEvents = function* (): Generator<StoredEvent> {
    for (let i = 0; i < EVENTS; i++) {
      const visitor = Math.floor(next() * VISITORS);
      const devices = deviceIds[visitor]!;
      const timestamp = new Date(Date.UTC(2026, 5, 1) + Math.floor(next() * 30 * 86_400_000)).toISOString();
      const roll = next();
      const base = {
        messageId: crypto.randomUUID(),
        anonymousId: devices[i % devices.length]!,
        site: 'shop',
        timestamp,
        receivedAt: timestamp,
        ...(visitor % 4 === 0 ? { userId: `u${visitor}` } : {}),
      };
      if (roll < 0.6)
        yield {
          ...base,
          type: 'page',
          properties: { path: '/' },
          ...(roll < 0.1
            ? { context: { campaign: { source: 'news', medium: 'email', name: `n${visitor % 5}` } } }
            : {}),
        };
      else if (roll < 0.96)
        yield { ...base, type: 'track', event: 'Product Viewed', properties: { product_id: `p${visitor % 40}` } };
      else
        yield {
          ...base,
          type: 'track',
          event: 'Order Completed',
          properties: { revenue: 20 + (visitor % 50), products: [{ product_id: `p${visitor % 40}` }] },
        };
    }
  };
  let batch: StoredEvent[] = [];
  for (const event of shopEvents()) {
    batch.push(event);
    if (batch.length === 10_000) {
      await storage.write({ events: batch, consents: [], rejected: [] });
      batch = [];
    }
  }
  if (batch.length > 0) await storage.write({ events: batch, consents: [], rejected: [] });
  const period = parsePeriod('2026-06-01', '2026-06-30');
  if ('problem' in period) throw new Error(period.problem);

  const window = { site: 'shop', from: period.from, to: period.to };
  const funnel = ['Product Viewed', 'Order Completed'];
  const plain = await seconds(() => siteFigures(storage, 'shop', period));
  // The first call reads every page of the rollups for the first time, right after 1M events were written.
  const again = await seconds(() => siteFigures(storage, 'shop', period));
  const withFunnel = await seconds(() => siteFigures(storage, 'shop', period, funnel));
  const visitors = await seconds(() => storage.siteVisitors(window));
  const looked = await seconds(() => storage.siteOrdersAndTouches({ site: 'shop', to: period.to }));
  // The previous way of both, for the ratio: a DISTINCT over the month's events, and the events' bodies read and resolved one by one.
  const scannedLooked = await seconds(() =>
    storage.siteEvents({ site: 'shop', to: period.to, events: ['Order Completed'], campaigns: true }),
  );
  const steps = await seconds(() => storage.siteFunnel({ ...window, steps: funnel }));
  // The previous way of the funnel, for the ratio: its steps' events read one by one and walked in TypeScript.
  const walked = await seconds(async () => {
    const reached = new Map<string, number>();
    for (const event of await storage.siteEvents({ ...window, events: funnel })) {
      const done = reached.get(event.personId) ?? 0;
      if (done < funnel.length && event.event === funnel[done]) reached.set(event.personId, done + 1);
    }
    return reached;
  });
  const sameFunnel =
    steps.result.length === walked.result.size &&
    steps.result.every((p) => walked.result.get(p.personId) === p.reached);
  // The previous way, for the ratio: every event up to the period's end, with its person and fields, counted in TypeScript.
  const previous = await seconds(() => figuresByScan(storage, 'shop', period, funnel));
  await storage.close();

  const db = new DatabaseSync(path);
  const scannedVisitors = await seconds(async () => {
    const { sql, params } = scanVisitors(window);
    const row = db.prepare(sql).get(...(params as SQLInputValue[])) as { visitors: number; identified: number };
    return { visitors: Number(row.visitors), identified: Number(row.identified) };
  });
  const rows = await seconds(async () =>
    db
      .prepare(`select body from events where site = 'shop' and timestamp >= ? and timestamp < ?`)
      .all(period.from, period.to),
  );
  db.close();
  const ratio = (part: number) => `${(part / rows.seconds).toFixed(2)}x`;
  console.log(
    `a month's figures over ${rows.result.length} events: ${plain.seconds.toFixed(2)} s, again ${again.seconds.toFixed(2)} s (${ratio(plain.seconds)} of reading the same rows' bodies alone, ${rows.seconds.toFixed(2)} s); with the funnel ${funnel.join(' > ')}: ${withFunnel.seconds.toFixed(2)} s (${ratio(withFunnel.seconds)})`,
  );
  console.log(
    `  of which: the persons seen ${visitors.seconds.toFixed(2)} s (from the events ${scannedVisitors.seconds.toFixed(2)} s, the same: ${JSON.stringify(visitors.result) === JSON.stringify(scannedVisitors.result)}); orders and campaign touches ${looked.seconds.toFixed(2)} s (${looked.result.length} rows; from the events ${scannedLooked.seconds.toFixed(2)} s); the funnel, counted in SQL ${steps.seconds.toFixed(2)} s (${steps.result.length} persons); its steps' events read and walked in TypeScript ${walked.seconds.toFixed(2)} s (the same: ${sameFunnel})`,
  );
  console.log(
    `  the previous way (every event to the period's end, with its person and fields): ${previous.seconds.toFixed(2)} s (${ratio(previous.seconds)}), the same figures: ${JSON.stringify(previous.result) === JSON.stringify(withFunnel.result)}`,
  );
  const figures = withFunnel.result;
  console.log(
    `  ${figures.visitors} visitors (${figures.identified} identified), ${figures.customers} customers, ${figures.orders} orders, revenue ${figures.revenue}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function round(values: object): Record<string, number> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Math.round(Number(value) * 1000) / 1000]),
  );
}
