// Migration 12: the overview's per-day counts of a store written before it had counted the collector's
// own change events as the shop's; the migration takes them out, and what stays reads as a new store's.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import type { Statement } from '../statement.ts';
import type { StoredEvent } from '../storage.ts';
import { EVENTS, insertOne } from '../tables.ts';
import { overviewScanQueries } from './console-queries.ts';
import { siteFunnel, siteVisitors } from './figures-queries.ts';
import { personKeys } from './queries.ts';
import { MIGRATIONS } from './schema.ts';

const event = (messageId: string, parts: Partial<StoredEvent>): StoredEvent => ({
  type: 'track',
  event: 'Product Viewed',
  messageId,
  anonymousId: 'a1',
  site: 'shop',
  timestamp: '2026-06-01T12:00:00.000Z',
  receivedAt: '2026-06-01T12:00:00.000Z',
  ...parts,
});
const change = (messageId: string, parts: Partial<StoredEvent>): StoredEvent =>
  event(messageId, {
    event: 'Audience Entered',
    context: { kith: { computed: true, slot: 'audience:buyers', seq: 1 } },
    ...parts,
  });

const STORED = [
  event('v1', {}),
  event('v2', { anonymousId: 'a2', timestamp: '2026-06-02T12:00:00.000Z' }),
  change('c1', {}),
  change('c2', { userId: 'u3', anonymousId: undefined, timestamp: '2026-06-02T03:00:00.000Z' }),
  change('c3', { type: 'identify', event: undefined, timestamp: '2026-06-02T12:00:00.000Z', anonymousId: 'a2' }),
];

// Found by what it does, not by its number: migrations added beside it may be renumbered at a merge.
const OWN_EVENTS = MIGRATIONS.findIndex((sql) => sql.includes('drop trigger overview_event_deleted'));

const counts = (db: DatabaseSync) => ({
  events: db.prepare('select day, type, event, count from overview_events order by 1, 2, 3').all(),
  senders: db.prepare('select day, sender, events from overview_senders order by 1, 2').all(),
});

const plan = (db: DatabaseSync, { sql, params }: Statement) =>
  (db.prepare(`explain query plan ${sql}`).all(...(params as SQLInputValue[])) as { detail: string }[])
    .map((row) => row.detail)
    .join('\n');

describe('sqlite dialect: the collector’s own change events in the overview (migration 12)', () => {
  it('takes the change events out of the per-day counts a store kept before it, and keeps them out when deleted', () => {
    const db = new DatabaseSync(':memory:');
    MIGRATIONS.slice(0, OWN_EVENTS).forEach((sql) => db.exec(sql));
    const insert = db.prepare(insertOne(EVENTS));
    for (const e of STORED) insert.run(...EVENTS.row(e));
    // What the adapter counted before: every stored event, as migration 7 fills them.
    db.exec(`insert into overview_events select site, substr(timestamp, 1, 10), type, coalesce(event, ''), count(*) from events group by 1, 2, 3, 4;
      insert into overview_senders select site, substr(timestamp, 1, 10), case when user_id is not null then 'u:' || user_id else 'a:' || coalesce(anonymous_id, '') end, count(*) from events group by 1, 2, 3;`);

    db.exec(MIGRATIONS[OWN_EVENTS]!);
    const shopsOnly = {
      events: [
        { day: '2026-06-01', type: 'track', event: 'Product Viewed', count: 1 },
        { day: '2026-06-02', type: 'track', event: 'Product Viewed', count: 1 },
      ],
      senders: [
        { day: '2026-06-01', sender: 'a:a1', events: 1 },
        { day: '2026-06-02', sender: 'a:a2', events: 1 },
      ],
    };
    expect(counts(db)).toEqual(shopsOnly);

    db.exec("delete from events where message_id in ('c1', 'c3')");
    expect(counts(db)).toEqual(shopsOnly);
    db.exec("delete from events where message_id = 'v2'");
    expect(counts(db)).toEqual({ events: [shopsOnly.events[0]], senders: [shopsOnly.senders[0]] });
  });

  it('reads the shop’s events from the partial indexes alone, and every sender through both', () => {
    const db = new DatabaseSync(':memory:');
    MIGRATIONS.forEach((sql) => db.exec(sql));
    const window = { site: 'shop', from: '2026-06-01', to: '2026-07-01' };
    const [days, , , topEvents] = overviewScanQueries('shop', window.from, window.to);
    for (const query of [days!, siteVisitors(window)])
      expect(plan(db, query)).toMatch(
        /USING COVERING INDEX events_by_site_time \(site=\? AND timestamp>\? AND timestamp<\?\)/,
      );
    expect(plan(db, topEvents!)).toMatch(/USING COVERING INDEX events_by_site_event/);
    expect(plan(db, siteFunnel({ ...window, steps: ['Product Viewed', 'Order Completed'] }))).toMatch(
      /USING COVERING INDEX events_by_site_event/,
    );
    const senders = plan(db, personKeys('shop'));
    expect(senders).toMatch(/USING COVERING INDEX events_by_site_time \(site=\?\)/);
    expect(senders).toMatch(/USING INDEX events_by_computed_slot/);
  });
});
