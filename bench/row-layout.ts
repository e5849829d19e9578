// Disk per event for layouts of the events row (issue 18), node:sqlite alone with the collector's schema,
// WAL and durability: the bench's browser events as the pipeline enriches them, 20 to a transaction, random
// v4 messageIds, returning browsers. Per layout: the body's size, what the file kept and what the process
// wrote per event (WAL and checkpoints), and per table and index the bytes per event (dbstat).
//   whole                 the whole event in the body, as rows were stored before storage/event-row.ts
//   columns out           the body as stored now: without the fields the columns keep (eventBody)
//   shared context out    not built: also the browser's context (all but page and campaign) kept once per
//                         browser and context in a `contexts` table, the row keeping a 16-character key
// BENCH_LAYOUT_EVENTS (default 40,000) events per layout.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createEnricher } from '../packages/collector/src/pipeline/enrich.ts';
import { eventBody } from '../packages/collector/src/storage/event-row.ts';
import { WAL_CHECKPOINT_PAGES } from '../packages/collector/src/storage/sqlite/index.ts';
import { MIGRATIONS } from '../packages/collector/src/storage/sqlite-dialect/schema.ts';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
import { EVENTS, insertOne, type Table } from '../packages/collector/src/storage/tables.ts';
import { EVENTS_PER_BATCH, browserEvent } from './traffic.ts';

const EVENTS_STORED = Number(process.env.BENCH_LAYOUT_EVENTS ?? 40_000);
const BROWSERS = 5000;
const LAYOUTS = ['whole', 'columns out', 'shared context out'] as const;
type Layout = (typeof LAYOUTS)[number];

const browsers = Array.from({ length: BROWSERS }, (_, i) => ({
  anonymousId: crypto.randomUUID(),
  deviceId: crypto.randomUUID(),
  address: `198.51.${i % 250}.${(i * 7) % 250}`,
}));
const BODY = EVENTS.columns.indexOf('body');
const bytesWritten = () => Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);

/** Bytes per event of each table and index; node:sqlite is built without dbstat, the sqlite3 shell has it. */
function bytesPerObject(path: string): string {
  try {
    const sql = 'select name, sum(pgsize) as bytes from dbstat group by name having bytes > 4096 order by 2 desc';
    const rows = JSON.parse(execFileSync('sqlite3', ['-json', path, sql], { encoding: 'utf8' }) || '[]') as {
      name: string;
      bytes: number;
    }[];
    return rows.map((row) => `${row.name} ${Math.round(row.bytes / EVENTS_STORED)}`).join(', ');
  } catch {
    return '(no sqlite3 shell for dbstat)';
  }
}

function store(layout: Layout) {
  const dir = mkdtempSync(join(tmpdir(), 'kith-row-layout-'));
  const path = join(dir, 'layout.db');
  const db = new DatabaseSync(path);
  try {
    db.exec(
      `pragma journal_mode = wal; pragma synchronous = full; pragma wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES};`,
    );
    MIGRATIONS.forEach((sql) => db.exec(sql));
    const shared = layout === 'shared context out';
    if (shared) {
      db.exec(`alter table events add column context_key text;
        create table contexts (site text not null, owner text not null, key text not null, context text not null,
          primary key (site, owner, key)) without rowid;`);
    }
    const columns = shared ? [...EVENTS.columns, 'context_key'] : EVENTS.columns;
    const insert = db.prepare(insertOne({ ...EVENTS, columns } as Table<never>));
    const insertContext = db.prepare(
      shared ? 'insert into contexts values (?, ?, ?, ?) on conflict do nothing' : 'select 1',
    );
    db.exec('pragma wal_checkpoint(truncate)');
    const sizeBefore = statSync(path).size;
    const writtenBefore = bytesWritten();
    let bodyBytes = 0;
    for (let stored = 0, batch = 0; stored < EVENTS_STORED; batch++) {
      const browser = browsers[batch % BROWSERS]!;
      const now = new Date();
      const enrich = createEnricher({
        site: 'bench',
        receivedAt: now,
        sentAt: now,
        clientAddress: browser.address,
        ipMode: 'truncate',
      });
      db.exec('begin immediate');
      for (let i = 0; i < EVENTS_PER_BATCH; i++, stored++) {
        const type = i % 4 === 0 ? 'page' : 'track';
        const sent = browserEvent({ type, messageId: crypto.randomUUID(), anonymousId: browser.anonymousId, sku: i });
        const event: StoredEvent = { ...enrich(sent), deviceId: browser.deviceId };
        const row: (string | null)[] = EVENTS.row(event);
        if (layout === 'whole') row[BODY] = JSON.stringify(event);
        if (shared) {
          const { page, campaign, ...common } = event.context ?? {};
          const context = JSON.stringify(common);
          const key = createHash('sha256').update(context).digest('base64url').slice(0, 16);
          if (i === 0) insertContext.run('bench', browser.anonymousId, key, context);
          row[BODY] = eventBody({ ...event, context: { page, ...(campaign ? { campaign } : {}) } });
          row.push(key);
        }
        bodyBytes += Buffer.byteLength(row[BODY]!);
        insert.run(...row);
      }
      db.exec('commit');
    }
    db.exec('pragma wal_checkpoint(truncate)');
    const kept = statSync(path).size - sizeBefore;
    const written = bytesWritten() - writtenBefore;
    db.close();
    const per = (bytes: number) => Math.round(bytes / EVENTS_STORED);
    console.log(
      `${layout}: body ${per(bodyBytes)} B, file grew ${per(kept)} B and the process wrote ${per(written)} B per event ` +
        `(${(written / kept).toFixed(1)} bytes written per byte kept); per event: ${bytesPerObject(path)}`,
    );
  } finally {
    if (db.isOpen) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `${EVENTS_STORED} events per layout, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ', 3).join(' ')}`,
);
for (const layout of LAYOUTS) store(layout);
