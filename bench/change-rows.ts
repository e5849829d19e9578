// What one stored audience change event costs on SQLite, against a client's event (issue 19), in CPU
// (user + system) of this process. (1) Writing: the same sets go to each store in alternating rounds,
// each set awaited alone, so the CPU between a write's call and its answer is that write's: a client's
// 5-event requests (one commit each), then the change events of groups of persons as the audience engine
// stores them (one write, one commit, a group). (2) Reading back: each person's events read whole, as
// every later evaluation of the person reads them (audiences/reconcile.ts), from the store with change
// events and from one with the same client events alone; the difference per change row is what a stored
// change costs each later evaluation. Stores: `base` (as migrated), `clients-only` (no change events) and
// `no-site-indexes` (events_by_site_time and events_by_site_event dropped: what they cost a row).
// Usage: node bench/change-rows.ts   (BENCH_ROWS_ROUNDS, BENCH_ROWS_GROUP persons a change write,
// BENCH_ROWS_VARIANTS=base,clients-only to run some of the stores)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, loadAverage } from './process-cpu.ts';
import { BUYING_VISIT } from './traffic.ts';
import { DatabaseSync } from 'node:sqlite';
import { changeEvents } from '../packages/collector/src/audiences/reconcile.ts';
import { createSqliteStorage } from '../packages/collector/src/storage/sqlite/index.ts';
import type { Person, Storage, StoredEvent } from '../packages/collector/src/storage/storage.ts';

const ROUNDS = Number(process.env.BENCH_ROWS_ROUNDS ?? 6);
const GROUP = Number(process.env.BENCH_ROWS_GROUP ?? 125);
const VISITORS = 2000;
const SITE = 'bench';
const AUDIENCES = ['repeat_buyers', 'big_spenders', 'browsers', 'cart_abandoners', 'shoes_fans', 'checkout_starters'];
const STAGES = ['visitor', 'engaged', 'identified', 'first_time_buyer', 'repeat_buyer'];

const VARIANTS: Record<string, string> = {
  base: '',
  'no-site-indexes': 'drop index events_by_site_time; drop index events_by_site_event;',
  // The same client requests with no change events between them: what the change rows cost the client's writes.
  'clients-only': '',
};
const only = process.env.BENCH_ROWS_VARIANTS?.split(',');
const names = Object.keys(VARIANTS).filter((name) => !only || only.includes(name));

const ids = (visitor: number) => (visitor % 3 === 0 ? { userId: `u${visitor}` } : { anonymousId: `a${visitor}` });
const personOf = (visitor: number): Person => ({
  personId: `p-${visitor}`,
  userIds: visitor % 3 === 0 ? [`u${visitor}`] : [],
  anonymousIds: visitor % 3 === 0 ? [] : [`a${visitor}`],
  deviceIds: [],
  traits: {},
});

/** A browser's event as the pipeline stores it (its context shared, see storage/event-context.ts). */
function clientEvent(visitor: number, n: number, at: string): StoredEvent {
  const name = BUYING_VISIT[(visitor * 7 + n) % BUYING_VISIT.length]!;
  return {
    type: 'track',
    messageId: crypto.randomUUID(),
    ...ids(visitor),
    event: name,
    properties: name === 'Order Completed' ? { revenue: 20 + (n % 150), currency: 'EUR' } : { category: 'shoes' },
    context: {
      page: { path: '/p', url: 'https://shop.example/p', title: 'Shop' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36',
      locale: 'de-DE',
      library: { name: 'kith', version: '1.0.0' },
      ip: '203.0.113.0',
    },
    site: SITE,
    timestamp: at,
    receivedAt: at,
  } as StoredEvent;
}

/** About four changes a person, as a returning visitor's request yields them: the traits, the stage, two audiences. */
function changesOf(visitor: number, round: number, at: Date): StoredEvent[] {
  const entered = [
    AUDIENCES[(visitor + round) % AUDIENCES.length]!,
    AUDIENCES[(visitor + round + 1) % AUDIENCES.length]!,
  ];
  return changeEvents(
    SITE,
    personOf(visitor),
    {
      traits: { lifetime_revenue: round * 10 },
      // None announced, so both audiences are entered.
      audiences: [],
      stage: STAGES[round % STAGES.length]!,
      seqs: new Map([
        ['trait:lifetime_revenue', round],
        ['stage', round],
      ]),
    },
    {
      traits: { lifetime_revenue: round * 10 + visitor, orders_last_year: round, favourite_category: 'shoes' },
      audiences: entered.sort(),
      stage: STAGES[(round + 1) % STAGES.length]!,
      nextChangeAt: null,
    },
    at,
    // An audience's entry is change 1 of its slot every round here: the round keeps its messageId new.
  ).map((event) => ({ ...event, messageId: `${event.messageId}-${round}` }));
}

const dir = mkdtempSync(join(tmpdir(), 'kith-bench-rows-'));
try {
  console.log(
    `change rows on SQLite, ${ROUNDS} rounds, ${GROUP} persons a change write; load average ${loadAverage()}`,
  );
  const stores = new Map<string, Storage>();
  for (const name of names) {
    const path = join(dir, `${name}.db`);
    const storage = createSqliteStorage({ path });
    await storage.migrate();
    if (VARIANTS[name]) {
      const db = new DatabaseSync(path);
      db.exec(VARIANTS[name]!);
      db.close();
    }
    stores.set(name, storage);
  }
  const cpu = new Map(names.map((name) => [name, { client: 0, clientRows: 0, change: 0, changeRows: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    const at = new Date(Date.now() + round * 1000);
    const requests = Array.from({ length: VISITORS / 4 }, (_, i) => {
      const visitor = (round * (VISITORS / 4) + i) % VISITORS;
      return Array.from({ length: 5 }, (_, n) => clientEvent(visitor, round * 5 + n, at.toISOString()));
    });
    const groups = Array.from({ length: VISITORS / 4 / GROUP }, (_, g) =>
      Array.from({ length: GROUP }, (_, i) =>
        changesOf((round * (VISITORS / 4) + g * GROUP + i) % VISITORS, round, at),
      ).flat(),
    );
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const storage = stores.get(name)!;
      const tally = cpu.get(name)!;
      let started = cpuMs();
      for (const events of requests) await storage.write({ events, consents: [], rejected: [] });
      tally.client += cpuMs() - started;
      tally.clientRows += requests.length * 5;
      if (name === 'clients-only') continue;
      started = cpuMs();
      for (const events of groups) await storage.write({ events, consents: [], rejected: [] });
      tally.change += cpuMs() - started;
      tally.changeRows += groups.reduce((sum, events) => sum + events.length, 0);
    }
  }
  for (const [name, t] of cpu) {
    const change =
      t.changeRows === 0
        ? ''
        : `, change row ${((1000 * t.change) / t.changeRows).toFixed(1)} µs (${t.changeRows} rows), ratio ${(t.change / t.changeRows / (t.client / t.clientRows)).toFixed(2)}`;
    console.log(
      `${name}: written, client row ${((1000 * t.client) / t.clientRows).toFixed(1)} µs (${t.clientRows} rows)${change}`,
    );
  }

  // (2) Each person's events read whole, from the store with change events and from the one without, alternated.
  const readers = ['base', 'clients-only'].filter((name) => stores.has(name));
  const read = new Map(readers.map((name) => [name, { ms: 0, rows: 0 }]));
  for (let pass = 0; pass < 4; pass++) {
    for (const name of pass % 2 === 0 ? readers : [...readers].reverse()) {
      const tally = read.get(name)!;
      const started = cpuMs();
      for (let visitor = 0; visitor < VISITORS; visitor++) {
        const { userIds, anonymousIds } = personOf(visitor);
        tally.rows += (
          await stores.get(name)!.events({ site: SITE, userIds, anonymousIds, limit: 10_000 })
        ).events.length;
      }
      tally.ms += cpuMs() - started;
    }
  }
  const [withChanges, without] = [read.get('base'), read.get('clients-only')];
  if (withChanges && without)
    console.log(
      `read back, every person's events: ${((1000 * withChanges.ms) / withChanges.rows).toFixed(1)} µs a row with change events, ${((1000 * without.ms) / without.rows).toFixed(1)} µs without; each change row adds ${((1000 * (withChanges.ms - without.ms)) / (withChanges.rows - without.rows)).toFixed(1)} µs to every read of its person (${((withChanges.rows - without.rows) / 4 / VISITORS).toFixed(1)} change rows and ${(without.rows / 4 / VISITORS).toFixed(1)} client rows a person)`,
    );
  console.log(`load average ${loadAverage()}`);
  for (const storage of stores.values()) await storage.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
