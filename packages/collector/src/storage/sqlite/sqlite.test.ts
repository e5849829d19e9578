import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describeStorageContract } from '../contract.ts';
import { describeForwardStoreContract } from '../forward-contract.ts';
import type { Storage } from '../storage.ts';
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
