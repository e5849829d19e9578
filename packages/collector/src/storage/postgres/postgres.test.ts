import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../../config.ts';
import { MIGRATIONS } from './schema.ts';
import { describeStorageConformance } from '../../../test/storage-conformance/index.ts';
import { openStorage } from '../open.ts';
import type { Storage } from '../storage.ts';
import { createPostgresStorage } from './index.ts';
import { freshTestSchema } from '../../../test/support/postgres-schema.ts';

async function queryAs(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Every row version the schema's tables, their indexes and TOAST tables hold in their pages, dead
 * ones included, as pageinspect reads them (as a superuser): what a vacuum must have removed.
 */
async function rowVersions(schema: string): Promise<string> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    await client.query('create extension if not exists pageinspect').catch(() => client.query('select 1'));
    const { rows } = await client.query<{ data: Buffer }>(
      `with relations as (
         select c.oid, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind in ('r', 'i')
         union select t.oid, t.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_class t on t.oid = c.reltoastrelid where n.nspname = $1
         union select i.indexrelid, 'i' from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_index i on i.indrelid = c.reltoastrelid where n.nspname = $1
       ),
       pages as (
         select r.oid, r.relkind, b::bigint as block from relations r
         cross join lateral generate_series(case when r.relkind = 'i' then 1 else 0 end, pg_relation_size(r.oid) / current_setting('block_size')::bigint - 1) as b
       )
       select h.t_data as data from pages p cross join lateral heap_page_items(get_raw_page(p.oid::regclass::text, p.block)) h where p.relkind in ('r', 't') and h.t_data is not null
       union all
       select decode(replace(i.data, ' ', ''), 'hex') from pages p cross join lateral bt_page_items(p.oid::regclass::text, p.block) i where p.relkind = 'i' and i.data is not null`,
      [schema],
    );
    return rows.map((row) => row.data.toString('latin1')).join('\n');
  } finally {
    await client.end();
  }
}

describeStorageConformance('postgres', async () => {
  const schema = await freshTestSchema();
  const opened: Storage[] = [];
  const open = () => {
    const storage = createPostgresStorage({ url: schema.url, poolSize: 4 });
    opened.push(storage);
    return storage;
  };
  return {
    storage: open(),
    another: open,
    query: (sql) => queryAs(schema.url, sql),
    leftovers: () => rowVersions(schema.role),
    cutOff: schema.refuseLogins,
    restore: schema.allowLogins,
    async cleanup() {
      await Promise.allSettled(opened.map((storage) => storage.close()));
      await schema.drop();
    },
  };
});

describe('postgres storage, beyond the contract', () => {
  it('refuses TRUNCATE of the consent log, which row triggers would not see', async () => {
    const schema = await freshTestSchema();
    const storage = createPostgresStorage({ url: schema.url });
    try {
      await storage.migrate();
      await expect(queryAs(schema.url, 'truncate consent_log')).rejects.toThrow(/append-only/);
    } finally {
      await storage.close();
      await schema.drop();
    }
  });

  it('opens postgres:// and postgresql:// storage specs and brings their schema up to date', async () => {
    const schema = await freshTestSchema();
    try {
      for (const spec of [schema.url, schema.url.replace(/^postgres:/, 'postgresql:')]) {
        const storage = await openStorage(spec);
        await storage.close();
      }
      expect(await queryAs(schema.url, 'select max(version) as version from schema_migrations')).toEqual([
        { version: MIGRATIONS.length },
      ]);
    } finally {
      await schema.drop();
    }
  });

  it('answers 503, not 500, and says why not ready, once its tables are dropped under it', async () => {
    const schema = await freshTestSchema();
    const storage = createPostgresStorage({ url: schema.url });
    try {
      await storage.migrate();
      expect(await storage.writable()).toBeNull();
      await queryAs(schema.url, 'drop table events cascade');
      await expect(
        storage.write({
          events: [
            { type: 'track', event: 'x', messageId: 'm', anonymousId: 'a', site: 's', timestamp: 't', receivedAt: 't' },
          ],
          consents: [],
          rejected: [],
        }),
      ).rejects.toMatchObject({ code: 'storage_unavailable', status: 503 });
      expect(await storage.writable()).toMatch(/no Kith tables; run "kith migrate"/);
    } finally {
      await storage.close();
      await schema.drop();
    }
  });

  it('answers an erasure only once transactions that began before it have ended, so the vacuum removes every row version', async () => {
    // Another session of the same database (a report, a backup, another collector's read) whose snapshot is older
    // than the erasure could still read the person, so PostgreSQL keeps the dead row versions for it: a vacuum run
    // while it is open removes nothing. The erasure waits for it (bounded) before its vacuum.
    const schema = await freshTestSchema();
    const reader = await freshTestSchema();
    const storage = createPostgresStorage({ url: schema.url });
    const older = new pg.Client({ connectionString: reader.url });
    try {
      await storage.migrate();
      const at = '2026-06-01T12:00:00.000Z';
      await storage.write({
        events: [
          {
            type: 'identify',
            messageId: 'm-1',
            anonymousId: 'a-zq9older',
            userId: 'u-zq9older',
            traits: { email: 'zq9@older.example' },
            site: 's',
            timestamp: at,
            receivedAt: at,
          },
        ],
        consents: [],
        rejected: [],
        links: [
          {
            site: 's',
            from: { kind: 'anonymous', id: 'a-zq9older' },
            to: { kind: 'user', id: 'u-zq9older' },
            how: 'login',
            source: 'm-1',
            at,
          },
        ],
      });
      const person = await storage.person('s', { kind: 'user', id: 'u-zq9older' });
      expect(person).not.toBeNull();
      await older.connect();
      await older.query('begin isolation level repeatable read');
      await older.query('select 1');
      let olderEnded = 0;
      const endOlder = new Promise<void>((done) =>
        setTimeout(() => {
          olderEnded = Date.now();
          void older.query('commit').then(() => done());
        }, 700),
      );
      await storage.erase('s', person!, { receiptId: 'r-older', site: 's', erasedAt: at, pseudonym: 'erased:r-older' });
      const answered = Date.now();
      await endOlder;
      expect(olderEnded, 'the erasure answered while an older transaction was still open').toBeGreaterThan(0);
      expect(answered).toBeGreaterThanOrEqual(olderEnded);
      const left = await rowVersions(schema.role);
      for (const value of ['u-zq9older', 'a-zq9older', 'zq9@older.example'])
        expect(left.includes(value), `${value} is still in the files`).toBe(false);
    } finally {
      await older.end().catch(() => {});
      await storage.close();
      await schema.drop();
      await reader.drop();
    }
  }, 30_000);

  it('answers 503 storage_unavailable when nothing listens at the URL', async () => {
    const storage = createPostgresStorage({ url: 'postgres://kith@127.0.0.1:1/kith' });
    try {
      await expect(storage.write({ events: [], consents: [], rejected: [] })).rejects.toMatchObject({
        code: 'storage_unavailable',
        status: 503,
      });
    } finally {
      await storage.close();
    }
  });

  it('tells the operator which server it cannot reach, without its password', async () => {
    const error = await openStorage('postgres://kith:s3cret@127.0.0.1:1/kith').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^--storage: cannot reach postgres:\/\/kith:\*\*\*@127\.0\.0\.1:1\/kith \(.*ECONNREFUSED.*\); check/,
    );
    expect((error as Error).message).not.toContain('s3cret');
  });
});
