// `pnpm bench:identity`: person resolution as the identity graph grows to one million IDs. The
// graph of a synthetic shop (each browser an anonymous ID and a device ID, customers also a user
// ID; persons of 2 to 5 IDs) is written through the adapter's own write path in large sets, then
// at each size the admin API resolves random persons (with no events stored, so the figure is
// the graph's), and new browsers' first batches (a device cookie and a login to link) are
// ingested through the app. Reports, not tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { IdentityLink, TraitsUpdate } from '../packages/collector/src/storage/storage.ts';
import { SITE, WRITE_KEY, adminGet, describeFailures, inProcessCollector, quantiles, timeEach } from './in-process.ts';
import { EVENTS_PER_BATCH, browserEvent, createShop, firstVisitIdentity } from './traffic.ts';

const SIZES = (process.env.BENCH_IDENTITY_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const LOOKUPS = Number(process.env.BENCH_IDENTITY_LOOKUPS ?? 1000);
const BATCHES = Number(process.env.BENCH_IDENTITY_BATCHES ?? 200);
const LIMITS = { maxSeconds: Number(process.env.BENCH_IDENTITY_SECONDS ?? 30), minSamples: 10 };
const FILL_SET = 5000;

const dir = mkdtempSync(join(tmpdir(), 'kith-identity-'));
try {
  const database = join(dir, 'kith.db');
  const { app, storage } = await inProcessCollector(dir, `sqlite:${database}`);
  const shop = createShop(2);
  /** Deletes the stored events; returns the IDs in the graph. */
  const dropEvents = () => {
    const file = new DatabaseSync(database);
    file.exec('delete from events');
    const { n } = file.prepare('select count(*) as n from identities').get() as { n: number };
    file.close();
    return n;
  };

  console.log(
    `${cpus().length} cores, Node ${process.versions.node}; SQLite; up to ${LOOKUPS} lookups and ${BATCHES} first-visit batches per size`,
  );
  const rows = [];
  let ids = 0;
  for (const size of SIZES) {
    // The graph only learns on a browser's first session; returning sessions add no IDs.
    const started = performance.now();
    let set: { links: IdentityLink[]; traits: TraitsUpdate[] } = { links: [], traits: [] };
    let added = 0;
    while (ids + added < size) {
      const customers = shop.users.length;
      const session = shop.nextSession();
      if (!session.first) continue;
      // Two IDs per browser, and a user ID for a new customer.
      added += 2 + shop.users.length - customers;
      const userId = session.visitor.user >= 0 ? shop.users[session.visitor.user] : undefined;
      const learnt = firstVisitIdentity(SITE, session.visitor, userId, new Date().toISOString(), {
        request: crypto.randomUUID(),
      });
      set.links.push(...learnt.links);
      set.traits.push(...learnt.traits);
      if (set.links.length >= FILL_SET) {
        await storage.write({ events: [], consents: [], rejected: [], ...set });
        set = { links: [], traits: [] };
      }
    }
    if (set.links.length > 0) await storage.write({ events: [], consents: [], rejected: [], ...set });
    const fillSeconds = Math.round((performance.now() - started) / 1000);

    const failures = new Map<number, number>();
    const anonymous = await timeEach(LOOKUPS, LIMITS, () =>
      adminGet(app, `/v1/persons/anonymous/${shop.pick(shop.visitors).anonymousId}`, failures),
    );
    const user = await timeEach(LOOKUPS, LIMITS, () =>
      adminGet(app, `/v1/persons/user/${encodeURIComponent(shop.pick(shop.users))}`, failures),
    );

    // A new browser's first batch: a device cookie to bind and, for a customer, a login to link.
    const firstBatch = await timeEach(BATCHES, LIMITS, async () => {
      let session = shop.nextSession();
      while (!session.first) session = shop.nextSession();
      const { visitor } = session;
      const userId = visitor.user >= 0 ? shop.users[visitor.user] : undefined;
      const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
        const messageId = crypto.randomUUID();
        if (userId && i === 1)
          return browserEvent({ type: 'identify', messageId, anonymousId: visitor.anonymousId, userId });
        return browserEvent({
          ...shop.eventKind(i),
          messageId,
          anonymousId: visitor.anonymousId,
          ...(userId && i > 1 ? { userId } : {}),
          sku: i,
        });
      });
      const response = await app.request('/v1/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey: WRITE_KEY }),
      });
      if (!response.ok) throw new Error(`a batch was refused: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    });

    // The person reads above ran with no events stored, so they measure the graph; the events
    // these batches stored go, so the next size's do too (bench:growth measures event history).
    ids = dropEvents();
    const [a, u, b] = [quantiles(anonymous), quantiles(user), quantiles(firstBatch)];
    rows.push({
      idsInGraph: ids,
      fillSeconds,
      anonymousP50: a.p50,
      anonymousP99: a.p99,
      userP50: u.p50,
      userP99: u.p99,
      lookups: anonymous.length + user.length,
      firstBatchP50: b.p50,
      firstBatchP99: b.p99,
      batches: firstBatch.length,
      failed: describeFailures(failures),
    });
    console.table(rows);
  }
  await storage.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
