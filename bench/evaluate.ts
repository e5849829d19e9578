// What one evaluation of a person against the audience benches' 20 definitions costs (issue 19), in
// CPU of this process: the persons of bench/audiences.ts as the collector sees them after a visitor's
// second request, 10 shop events (5 sent half a minute ago, 5 now), for each load: `server` (bare
// properties, no context, no consent) and `browser` (a product's properties, the full browser
// context, analytics consent, the customers' traits). Prints µs per evaluation, and a digest of every
// result so that a change to the evaluator can show it answers the same. Two figures: in a hot loop
// (the evaluator alone on the CPU, its code and data in the caches), and with the caches swept before
// each evaluation, as in a collector, where each request's own work runs between two evaluations: the
// median of single evaluations, beside that of an empty interval (what reading the CPU time costs).
// Usage: node bench/evaluate.ts   (BENCH_EVALUATE_SECONDS of CPU per load and round, default 1; BENCH_EVALUATE_ROUNDS, default 3)
import { createHash } from 'node:crypto';
import { cpuMs } from './process-cpu.ts';
import { AUDIENCE_DEFINITIONS, BUYING_VISIT, TRAITS, browserEvent, productProperties } from './traffic.ts';
import { compileDefinitions } from '../packages/collector/src/audiences/definitions.ts';
import { evaluatePerson, type FactEvent, type PersonFacts } from '../packages/collector/src/audiences/evaluate.ts';
import { parseConfig } from '../packages/collector/src/config.ts';

const SECONDS = Number(process.env.BENCH_EVALUATE_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_EVALUATE_ROUNDS ?? 3);
const VISITORS = 2000;
const CATEGORIES = ['shoes', 'shirts', 'bags', 'hats'];

const config = parseConfig({
  sites: [{ id: 'bench', writeKey: 'bench-key', origins: ['https://shop.example'], ...AUDIENCE_DEFINITIONS }],
});
const definitions = compileDefinitions(config.sites).get('bench')!;

/** Visitor `visitor`'s 10 events as the evaluator reads them, in the load's shape. */
function events(visitor: number, load: 'server' | 'browser', now: number): FactEvent[] {
  return Array.from({ length: 10 }, (_, i) => {
    const n = i % 5;
    const name = BUYING_VISIT[(visitor * 7 + n) % BUYING_VISIT.length]!;
    const own =
      name === 'Order Completed'
        ? { revenue: 20 + ((visitor * 13 + n) % 150), currency: 'EUR' }
        : { category: CATEGORIES[(visitor + n) % CATEGORIES.length] };
    const at = now - (i < 5 ? 30_000 : 0) - (5 - n) * 1500;
    if (load === 'server') return { name, at, properties: own, context: {} };
    const sku = (visitor * 31 + n) % 400;
    const { context } = browserEvent({ type: 'track', messageId: 'm', anonymousId: 'a' });
    return { name, at, properties: { ...productProperties(sku), ...own }, context: context! };
  });
}

function persons(load: 'server' | 'browser', now: number): PersonFacts[] {
  return Array.from({ length: VISITORS }, (_, visitor) => {
    const customer = visitor % 3 === 0;
    return {
      events: events(visitor, load, now),
      traits:
        load === 'server'
          ? { user_id: customer ? `u${visitor}` : null }
          : customer
            ? { user_id: `cus_${visitor}`, ...TRAITS }
            : { user_id: null },
      consent: load === 'server' ? null : { necessary: true, analytics: true, marketing: false },
      hasEvents: true,
    };
  });
}

// A fixed time, so that the digest (which holds nextChangeAt) is the same from run to run.
const now = Date.parse('2026-06-01T00:00:00Z');
const loads = { server: persons('server', now), browser: persons('browser', now) };
for (const [load, facts] of Object.entries(loads)) {
  const digest = createHash('sha256');
  for (const person of facts) digest.update(JSON.stringify(evaluatePerson(definitions, person, now)));
  console.log(`${load}: results digest ${digest.digest('hex').slice(0, 16)}`);
}
for (let round = 0; round < ROUNDS; round++) {
  for (const [load, facts] of Object.entries(loads)) {
    let evaluations = 0;
    const started = cpuMs();
    while (cpuMs() - started < SECONDS * 1000) {
      for (const person of facts) evaluatePerson(definitions, person, now);
      evaluations += facts.length;
    }
    console.log(`${load}: ${((1000 * (cpuMs() - started)) / evaluations).toFixed(2)} µs of CPU per evaluation`);
  }
}

/** 8 MB, more than the machine's caches hold: written over before each evaluation. */
const sweep = new Float64Array(1 << 20);
const swept = (measure: () => void) => {
  for (let i = 0; i < sweep.length; i += 8) sweep[i]! += 1;
  const started = process.cpuUsage();
  measure();
  const { user, system } = process.cpuUsage(started);
  return user + system;
};
const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
for (const [load, facts] of Object.entries(loads)) {
  const single = facts.map((person) => swept(() => evaluatePerson(definitions, person, now)));
  const empty = facts.map(() => swept(() => {}));
  console.log(
    `${load}, caches swept: median ${median(single)} µs of CPU per evaluation (an empty interval ${median(empty)} µs)`,
  );
}
