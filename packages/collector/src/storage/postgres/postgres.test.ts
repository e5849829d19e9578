import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config.ts';
import { MIGRATIONS } from './schema.ts';
import { describeStorageContract } from '../../../test/storage-contract/index.ts';
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

describeStorageContract('postgres', async () => {
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
      expect(await queryAs(schema.url, 'select max(version) as version from schema_migrations')).toEqual([{ version: MIGRATIONS.length }]);
    } finally {
      await schema.drop();
    }
  });

  it('answers 503 storage_unavailable when nothing listens at the URL', async () => {
    const storage = createPostgresStorage({ url: 'postgres://kith@127.0.0.1:1/kith' });
    try {
      await expect(storage.write({ events: [], consents: [], rejected: [] })).rejects.toMatchObject({ code: 'storage_unavailable', status: 503 });
    } finally {
      await storage.close();
    }
  });

  it('tells the operator which server it cannot reach, without its password', async () => {
    const error = await openStorage('postgres://kith:s3cret@127.0.0.1:1/kith').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^--storage: cannot reach postgres:\/\/kith:\*\*\*@127\.0\.0\.1:1\/kith \(.*ECONNREFUSED.*\); check/);
    expect((error as Error).message).not.toContain('s3cret');
  });
});
