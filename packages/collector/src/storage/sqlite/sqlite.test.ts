import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describeStorageContract } from '../contract.ts';
import { describeForwardStoreContract } from '../forward-contract.ts';
import { describe, expect, it } from 'vitest';
import type { Storage, StoredEvent } from '../storage.ts';
import { createSqliteStorage } from './index.ts';

for (const describeContract of [describeStorageContract, describeForwardStoreContract]) describeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kith-sqlite-'));
  const path = join(dir, 'kith.db');
  const opened: Storage[] = [];
  // A short wait for another's lock, so the cut-off answers at once rather than after 5 s.
  const open = () => {
    const storage = createSqliteStorage({ path, busyTimeoutMs: 50 });
    opened.push(storage);
    return storage;
  };
  let lockHolder: DatabaseSync | undefined;

  return {
    storage: open(),
    another: open,
    async query(sql) {
      const db = new DatabaseSync(path);
      try {
        return db.prepare(sql).all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
    // Another process holding the write lock is how an SQLite file becomes unavailable.
    async cutOff() {
      lockHolder = new DatabaseSync(path);
      lockHolder.exec('begin exclusive');
    },
    async restore() {
      lockHolder?.exec('rollback');
      lockHolder?.close();
      lockHolder = undefined;
    },
    async cleanup() {
      await Promise.allSettled(opened.map((storage) => storage.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite storage: group commit', () => {
  const event = (messageId: string, type: unknown = 'track') =>
    ({ type, messageId, anonymousId: 'a', site: 'shop', timestamp: '2026-06-01T12:00:00.000Z', receivedAt: '2026-06-01T12:00:00.000Z' }) as StoredEvent;
  const set = (...events: StoredEvent[]) => ({ events, consents: [], rejected: [] });

  it('commits write sets that arrive together in one transaction, and acknowledges each with its own result', async () => {
    const storage = createSqliteStorage({ path: ':memory:' });
    await storage.migrate();
    const results = await Promise.all([storage.write(set(event('m1'), event('m2'))), storage.write(set(event('m2'), event('m3'))), storage.write(set())]);
    expect(results).toEqual([{ inserted: 2, duplicates: 0 }, { inserted: 1, duplicates: 1 }, { inserted: 0, duplicates: 0 }]);
  });

  it('refuses only the write set the database refuses, and keeps the others that arrived with it', async () => {
    const storage = createSqliteStorage({ path: ':memory:' });
    await storage.migrate();
    const [first, broken, last] = await Promise.allSettled([
      storage.write(set(event('ok-1'))),
      storage.write(set(event('bad-1'), event('bad-2', null))),
      storage.write(set(event('ok-2'))),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: { inserted: 1, duplicates: 0 } });
    expect(broken).toMatchObject({ status: 'rejected', reason: { code: 'storage_unavailable' } });
    expect(last).toEqual({ status: 'fulfilled', value: { inserted: 1, duplicates: 0 } });
    const { events } = await storage.events({ site: 'shop', userIds: [], anonymousIds: ['a'], limit: 10 });
    expect(events.map((e) => e.messageId).sort()).toEqual(['ok-1', 'ok-2']);
  });
});
