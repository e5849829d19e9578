/// <reference types="@cloudflare/vitest-plugin/types" />
import { env } from 'cloudflare:test';
import { describeStorageConformance } from '../../../test/storage-conformance/index.ts';
import { createD1Storage, type D1Database } from './index.ts';

interface TestEnv {
  CONTRACT_DB: D1Database;
  /** Node's hand on the database file (see test/support/d1-lock.ts and vitest.workers.config.ts). */
  D1_LOCK: { fetch(url: string, init?: RequestInit): Promise<Response> };
}
const { CONTRACT_DB: db, D1_LOCK: lockService } = env as unknown as TestEnv;

/** A fresh database per test: every table of the last one dropped (its indexes and triggers go with it). */
async function emptyDatabase(): Promise<void> {
  const { results } = await db
    .prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'",
    )
    .all<{ name: string }>();
  if (results.length > 0)
    await db.batch(results.map(({ name }) => db.prepare(`drop table "${name.replaceAll('"', '""')}"`)));
}

async function callLockService(path: string): Promise<void> {
  const response = await lockService.fetch(`http://d1-lock${path}`, { method: 'POST' });
  if (!response.ok) throw new Error(`D1 lock service: ${response.status} ${await response.text()}`);
}

describeStorageConformance('d1', async () => {
  await emptyDatabase();
  return {
    storage: createD1Storage({ db }),
    another: () => createD1Storage({ db }),
    async query(sql) {
      return (await db.prepare(sql).all()).results;
    },
    // Another process holding the database file's write lock, as in the sqlite adapter's test: D1
    // itself then answers "database is locked: SQLITE_BUSY".
    async cutOff() {
      // A table of a name no other database has tells the lock service which file is this one.
      const marker = `lock_marker_${crypto.randomUUID().replaceAll('-', '')}`;
      await db.prepare(`create table ${marker} (x)`).run();
      await callLockService(`/lock?marker=${marker}`);
    },
    restore: () => callLockService('/release'),
    async cleanup() {},
  };
});
