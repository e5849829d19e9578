// Migration 9: what the read-side indexes select events by are columns set at insert, not json_extract
// over each body. These check the columns as stored (new events and old ones filled by the migration)
// and that every reader of them still reads through its index.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { Statement } from '../statement.ts';
import type { StoredEvent } from '../storage.ts';
import { EVENTS, insertOne } from '../tables.ts';
import { siteEvents } from './figures-queries.ts';
import { purgeErasureExitsStatements, slotEvents } from './queries.ts';
import { MIGRATIONS } from './schema.ts';

const event = (messageId: string, context?: Record<string, unknown>): StoredEvent => ({
  type: 'track',
  event: 'Product Viewed',
  messageId,
  anonymousId: 'a',
  site: 'shop',
  timestamp: '2026-06-01T12:00:00.000Z',
  receivedAt: '2026-06-01T12:00:00.000Z',
  ...(context ? { context } : {}),
});

/** One of each kind of event the markers tell apart. */
const EVENTS_OF_EACH_KIND = [
  event('plain', { page: { path: '/' } }),
  event('campaign', { campaign: { source: 'newsletter' } }),
  event('campaign-null', { campaign: null }),
  event('entered', { kith: { computed: true, slot: 'audience:vip', seq: 1 } }),
  event('erased', { kith: { computed: true, erasure: true, slot: 'audience:vip', seq: 2 } }),
  event('context-array', ['campaign'] as never),
];

const EXPECTED_MARKERS = [
  { message_id: 'plain', campaign: null, computed_slot: null, erasure_exit: null },
  { message_id: 'campaign', campaign: 1, computed_slot: null, erasure_exit: null },
  { message_id: 'campaign-null', campaign: null, computed_slot: null, erasure_exit: null },
  { message_id: 'entered', campaign: null, computed_slot: 'audience:vip', erasure_exit: null },
  { message_id: 'erased', campaign: null, computed_slot: 'audience:vip', erasure_exit: 1 },
  { message_id: 'context-array', campaign: null, computed_slot: null, erasure_exit: null },
];

const markers = (db: DatabaseSync) =>
  db.prepare('select message_id, campaign, computed_slot, erasure_exit from events order by seq').all();

const plan = (db: DatabaseSync, { sql, params }: Statement) =>
  (db.prepare(`explain query plan ${sql}`).all(...(params as SQLInputValue[])) as { detail: string }[])
    .map((row) => row.detail)
    .join('\n');

describe('sqlite dialect: the events markers (migration 9)', () => {
  it('sets campaign, computed_slot and erasure_exit as each event is stored', () => {
    const db = new DatabaseSync(':memory:');
    MIGRATIONS.forEach((sql) => db.exec(sql));
    const insert = db.prepare(insertOne(EVENTS));
    for (const e of EVENTS_OF_EACH_KIND) insert.run(...EVENTS.row(e));
    expect(markers(db)).toEqual(EXPECTED_MARKERS);
  });

  it('fills the markers of events stored before it from their bodies', () => {
    const db = new DatabaseSync(':memory:');
    MIGRATIONS.slice(0, 8).forEach((sql) => db.exec(sql));
    const columns = EVENTS.columns.slice(0, 9);
    const insert = db.prepare(
      `insert into events (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
    );
    for (const e of EVENTS_OF_EACH_KIND) insert.run(...EVENTS.row(e).slice(0, 9));
    db.exec(MIGRATIONS[8]!);
    expect(markers(db)).toEqual(EXPECTED_MARKERS);
  });

  it('reads an audience’s members, the erasure exits and the events with a campaign through their indexes', () => {
    const db = new DatabaseSync(':memory:');
    MIGRATIONS.forEach((sql) => db.exec(sql));
    expect(plan(db, slotEvents('shop', 'audience:vip'))).toMatch(
      /USING INDEX events_by_computed_slot \(site=\? AND computed_slot=\?\)/,
    );
    const [purge, , waiting] = purgeErasureExitsStatements(['hook']);
    expect(plan(db, purge!)).toMatch(/USING INDEX events_erasure_exits/);
    expect(plan(db, waiting!)).toMatch(/USING (COVERING )?INDEX events_erasure_exits/);
    const window = { site: 'shop', from: '2026-06-01', to: '2026-07-01' };
    expect(plan(db, siteEvents({ ...window, campaigns: true }))).toMatch(
      /USING INDEX events_with_campaign \(site=\? AND timestamp>\? AND timestamp<\?\)/,
    );
    const both = plan(db, siteEvents({ ...window, campaigns: true, events: ['Order Completed'] }));
    expect(both).toMatch(/USING (COVERING )?INDEX events_by_site_event/);
    expect(both).toMatch(/USING INDEX events_with_campaign/);
  });
});
