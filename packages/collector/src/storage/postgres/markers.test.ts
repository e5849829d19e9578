// Migration 9 on PostgreSQL: the events markers (see sqlite-dialect/markers.test.ts) as each event is
// stored, and filled from the bodies of events stored before it, a body with \u0000 included.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshTestSchema } from '../../../test/support/postgres-schema.ts';
import type { StoredEvent } from '../storage.ts';
import { EVENTS } from '../tables.ts';
import { createPostgresStorage } from './index.ts';
import { MIGRATIONS } from './schema.ts';

const event = (messageId: string, context?: unknown): StoredEvent =>
  ({
    type: 'track',
    event: 'Product Viewed',
    messageId,
    anonymousId: 'a',
    site: 'shop',
    timestamp: '2026-06-01T12:00:00.000Z',
    receivedAt: '2026-06-01T12:00:00.000Z',
    ...(context ? { context } : {}),
  }) as StoredEvent;

const EVENTS_OF_EACH_KIND = [
  event('plain', { page: { path: '/' } }),
  event('campaign', { campaign: { source: 'newsletter' } }),
  event('campaign-null', { campaign: null }),
  event('entered', { kith: { computed: true, slot: 'audience:vip', seq: 1 } }),
  event('erased', { kith: { computed: true, erasure: true, slot: 'audience:vip', seq: 2 } }),
  event('nul', { campaign: { source: 'a\u0000b' } }),
];

const EXPECTED_MARKERS = [
  { message_id: 'plain', campaign: null, computed_slot: null, erasure_exit: null },
  { message_id: 'campaign', campaign: '1', computed_slot: null, erasure_exit: null },
  { message_id: 'campaign-null', campaign: null, computed_slot: null, erasure_exit: null },
  { message_id: 'entered', campaign: null, computed_slot: 'audience:vip', erasure_exit: null },
  { message_id: 'erased', campaign: null, computed_slot: 'audience:vip', erasure_exit: '1' },
  { message_id: 'nul', campaign: '1', computed_slot: null, erasure_exit: null },
];

const MARKERS = 'select message_id, campaign, computed_slot, erasure_exit from events order by seq';

describe('postgres: the events markers (migration 9)', () => {
  it('sets campaign, computed_slot and erasure_exit as each event is stored', async ({ onTestFinished }) => {
    const schema = await freshTestSchema();
    onTestFinished(() => schema.drop());
    const storage = createPostgresStorage({ url: schema.url });
    onTestFinished(() => storage.close());
    await storage.migrate();
    await storage.write({ events: EVENTS_OF_EACH_KIND, consents: [], rejected: [] });
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    onTestFinished(() => client.end());
    expect((await client.query(MARKERS)).rows).toEqual(EXPECTED_MARKERS);
  });

  it('fills the markers of events stored before it from their bodies', async ({ onTestFinished }) => {
    const schema = await freshTestSchema();
    onTestFinished(() => schema.drop());
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    onTestFinished(() => client.end());
    for (const sql of MIGRATIONS.slice(0, 8)) await client.query(sql);
    for (const e of EVENTS_OF_EACH_KIND)
      await client.query(
        'insert into events (site, message_id, type, event, user_id, anonymous_id, timestamp, received_at, body) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        EVENTS.row(e).slice(0, 9),
      );
    await client.query(MIGRATIONS[8]!);
    expect((await client.query(MARKERS)).rows).toEqual(EXPECTED_MARKERS);
  });
});
