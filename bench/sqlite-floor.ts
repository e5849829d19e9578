// The floor under (b): what node:sqlite alone costs to store the same 20-event batches, in this
// process, with the collector's own schema and durability (WAL, synchronous=full), one transaction
// per batch and no HTTP, validation or identity work, random v4 messageIds as real clients make
// them. The collector cannot be cheaper than this.
// Variants take away durability, then the person indexes and the JSON body, to show what each costs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { WAL_CHECKPOINT_PAGES } from '../packages/collector/src/storage/sqlite/index.ts';
import { MIGRATIONS } from '../packages/collector/src/storage/sqlite-dialect/schema.ts';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
import { EVENTS, insertOne } from '../packages/collector/src/storage/tables.ts';
import { EVENTS_PER_BATCH, browserEvent } from './traffic.ts';

export interface Floor {
  eventsPerSecond: number;
  /** CPU of this process per batch stored, ms. */
  cpuMsPerBatch: number;
}

export interface FloorVariant {
  synchronous: 'full' | 'off';
  /** The indexes person reads need (events_by_user, events_by_anonymous). */
  personIndexes: boolean;
  /** The whole event as JSON in the body column (else a placeholder). */
  body: boolean;
}

export const FLOOR_VARIANTS: Record<string, FloorVariant> = {
  'as the collector stores': { synchronous: 'full', personIndexes: true, body: true },
  'synchronous=off': { synchronous: 'off', personIndexes: true, body: true },
  'synchronous=off, no person indexes, no body': { synchronous: 'off', personIndexes: false, body: false },
};

export function sqliteFloor(
  seconds: number,
  variant: FloorVariant = FLOOR_VARIANTS['as the collector stores']!,
): Floor {
  const dir = mkdtempSync(join(tmpdir(), 'kith-floor-'));
  const db = new DatabaseSync(join(dir, 'floor.db'));
  try {
    db.exec(
      `pragma journal_mode = wal; pragma synchronous = ${variant.synchronous}; pragma wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES};`,
    );
    MIGRATIONS.forEach((sql) => db.exec(sql));
    if (!variant.personIndexes) db.exec('drop index events_by_user; drop index events_by_anonymous;');
    const insert = db.prepare(insertOne(EVENTS));
    const receivedAt = new Date().toISOString();
    let batches = 0;
    const cpu = process.cpuUsage();
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      db.exec('begin immediate');
      for (let i = 0; i < EVENTS_PER_BATCH; i++) {
        // As stored: the event with the collector's fields, serialized for the body column.
        const event = {
          ...browserEvent({
            type: i % 4 === 0 ? 'page' : 'track',
            messageId: crypto.randomUUID(),
            anonymousId: `anon-${batches % 5000}`,
            sku: i,
          }),
          site: 'bench',
          receivedAt,
        };
        const row = EVENTS.row(event as StoredEvent);
        if (!variant.body) row[EVENTS.columns.indexOf('body')] = '{}';
        insert.run(...row);
      }
      db.exec('commit');
      batches++;
    }
    const used = process.cpuUsage(cpu);
    return {
      eventsPerSecond: Math.round((batches * EVENTS_PER_BATCH) / seconds),
      cpuMsPerBatch: Math.round((used.user + used.system) / batches) / 1000,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
