// Migration 10: the figures' rollups of orders and campaign touches. Old stores get theirs from the
// events' bodies (SQL); new events get theirs as the adapter stores them (figure-facts.ts): both must
// read back as the same facts.
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { factEventsOf, figureFactRow, type FactRow } from '../figure-facts.ts';
import type { StoredEvent } from '../storage.ts';
import { EVENTS, insertOne } from '../tables.ts';
import { insertFigureFact } from './rollup-queries.ts';
import { MIGRATIONS } from './schema.ts';

const event = (messageId: string, parts: Partial<StoredEvent>): StoredEvent => ({
  type: 'track',
  event: 'Order Completed',
  messageId,
  anonymousId: 'a',
  site: 'shop',
  timestamp: '2026-06-01T12:00:00.000Z',
  receivedAt: '2026-06-01T12:00:00.000Z',
  ...parts,
});

/** Orders and touches with every shape of value a client may send, and events that are neither. */
const EVENTS_OF_EACH_KIND = [
  event('revenue', { properties: { revenue: 20.5, total: 99 } }),
  event('total-text', { userId: 'ada', properties: { revenue: '', total: '12.5' } }),
  event('odd-values', { properties: { revenue: [3], total: { n: 1 } } }),
  event('true', { properties: { revenue: true } }),
  event('properties-array', { properties: ['revenue'] as never }),
  event('touch', {
    type: 'page',
    event: undefined,
    context: { campaign: { source: 'news', medium: '', name: 7 } as never },
  }),
  event('touch-array', { type: 'page', event: undefined, context: { campaign: ['source'] as never } }),
  event('ordered-by-ad', { properties: { revenue: 4 }, context: { campaign: { name: ['x'], source: 'ad' } as never } }),
  event('viewed', { event: 'Product Viewed', properties: { revenue: 1 } }),
  event('campaign-null', { type: 'page', event: undefined, context: { campaign: null as never } }),
];

const facts = (db: DatabaseSync) => {
  const read = db.prepare(
    'select user_id, anonymous_id, timestamp, is_order, extracted from figure_facts order by timestamp, seq',
  );
  read.setReturnArrays(true);
  return factEventsOf(read.all() as unknown as FactRow[], (u, a) => `${u}/${a}`);
};

describe('sqlite dialect: the figures’ rollups (migration 10)', () => {
  it('fills the rollups of events stored before it as the adapter writes those of new events', () => {
    const old = new DatabaseSync(':memory:');
    MIGRATIONS.slice(0, 9).forEach((sql) => old.exec(sql));
    // Without the context key that a later migration (11) adds: none of these events shares a context.
    const before = { ...EVENTS, columns: EVENTS.columns.filter((column) => column !== 'context_key') };
    const insertOld = old.prepare(insertOne(before));
    for (const e of EVENTS_OF_EACH_KIND) insertOld.run(...EVENTS.row(e).slice(0, before.columns.length));
    old.exec(MIGRATIONS[9]!);

    const fresh = new DatabaseSync(':memory:');
    MIGRATIONS.forEach((sql) => fresh.exec(sql));
    const insertEvent = fresh.prepare(insertOne(EVENTS));
    const insertFact = fresh.prepare(insertFigureFact);
    for (const e of EVENTS_OF_EACH_KIND) {
      const seq = Number(insertEvent.run(...EVENTS.row(e)).lastInsertRowid);
      if (['viewed', 'campaign-null'].includes(e.messageId)) continue;
      insertFact.run(...figureFactRow(e, seq));
    }

    expect(facts(old)).toEqual(facts(fresh));
    expect(facts(old).map(({ order, value, campaign }) => ({ order, value, campaign }))).toEqual([
      { order: true, value: 20.5, campaign: null },
      { order: true, value: 12.5, campaign: null },
      { order: true, value: 3, campaign: null },
      { order: true, value: 1, campaign: null },
      { order: true, value: null, campaign: null },
      { order: false, value: null, campaign: { source: 'news' } },
      { order: false, value: null, campaign: null },
      { order: true, value: 4, campaign: { source: 'ad' } },
    ]);
  });

  it('takes an event’s rollup away with the event', () => {
    const db = new DatabaseSync(':memory:');
    MIGRATIONS.forEach((sql) => db.exec(sql));
    const seq = Number(db.prepare(insertOne(EVENTS)).run(...EVENTS.row(EVENTS_OF_EACH_KIND[0]!)).lastInsertRowid);
    db.prepare(insertFigureFact).run(...figureFactRow(EVENTS_OF_EACH_KIND[0]!, seq));
    expect(facts(db)).toHaveLength(1);
    db.prepare('delete from events where seq = ?').run(seq);
    expect(facts(db)).toEqual([]);
  });
});
