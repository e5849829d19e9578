// What migration 12 (SQLite) costs a store written before it: 1M events, half of them the collector's own
// change events (about the share audiences add, 3.9 changes a 5-event request), with the overview's per-day
// counts as the adapter kept them then (every event counted); then migration 12 alone, timed: the two indexes
// made partial again and the change events' counts taken out. Usage: node bench/own-events-migration.ts
// (BENCH_MIGRATION_EVENTS to change the size).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from '../packages/collector/src/storage/sqlite-dialect/schema.ts';

const EVENTS = Number(process.env.BENCH_MIGRATION_EVENTS ?? 1_000_000);
// Found by what it does, not by its number: migrations added beside it may be renumbered at a merge.
const OWN_EVENTS = MIGRATIONS.findIndex((sql) => sql.includes('drop trigger overview_event_deleted'));
const dir = mkdtempSync(join(tmpdir(), 'kith-bench-migration-'));
try {
  const db = new DatabaseSync(join(dir, 'kith.db'));
  db.exec('pragma journal_mode = wal; pragma synchronous = full;');
  for (const migration of MIGRATIONS.slice(0, OWN_EVENTS)) db.exec(migration);
  db.exec('begin');
  const insert =
    db.prepare(`insert into events (site, message_id, type, event, anonymous_id, timestamp, received_at, body, computed_slot)
    values ('bench', ?, 'track', ?, ?, ?, ?, '{"properties":{"category":"shoes"}}', ?)`);
  for (let i = 0; i < EVENTS; i++) {
    const own = i % 2 === 1;
    const at = new Date(Date.UTC(2026, 5, 1) + (i % 30) * 86_400_000 + i).toISOString();
    const name = own ? 'Audience Entered' : 'Product Viewed';
    insert.run(crypto.randomUUID(), name, `a${i % 100_000}`, at, at, own ? `audience:a${i % 10}` : null);
  }
  db.exec(`insert into overview_events select site, substr(timestamp, 1, 10), type, coalesce(event, ''), count(*) from events group by 1, 2, 3, 4;
    insert into overview_senders select site, substr(timestamp, 1, 10), 'a:' || anonymous_id, count(*) from events group by 1, 2, 3;`);
  db.exec('commit');
  const started = performance.now();
  db.exec('begin');
  db.exec(MIGRATIONS[OWN_EVENTS]!);
  db.exec('commit');
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `migration 12 on ${EVENTS} events, half of them change events: ${seconds.toFixed(1)} s; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
