import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describeStorageConformance } from '../../../test/storage-conformance/index.ts';
import { describe, expect, it } from 'vitest';
import type { Storage, StoredEvent } from '../storage.ts';
import { createSqliteStorage } from './index.ts';

describeStorageConformance('sqlite', async () => {
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
    // The main file, the WAL and the shared-memory index, read while the storage stays open.
    async leftovers() {
      return ['', '-wal', '-shm']
        .map((suffix) => path + suffix)
        .filter((file) => existsSync(file))
        .map((file) => readFileSync(file).toString('latin1'))
        .join('\n');
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

const event = (messageId: string, type: unknown = 'track') =>
  ({
    type,
    messageId,
    anonymousId: 'a',
    site: 'shop',
    timestamp: '2026-06-01T12:00:00.000Z',
    receivedAt: '2026-06-01T12:00:00.000Z',
  }) as StoredEvent;
const set = (...events: StoredEvent[]) => ({ events, consents: [], rejected: [] });

/** A file in a fresh folder, removed after the test. */
function tempFile(onTestFinished: (cleanup: () => void) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'kith-sqlite-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'kith.db');
}

for (const where of ['memory', 'file'] as const)
  describe(`sqlite storage: group commit (${where})`, () => {
    const open = async (onTestFinished: (cleanup: () => void) => void) => {
      const storage = createSqliteStorage({ path: where === 'memory' ? ':memory:' : tempFile(onTestFinished) });
      onTestFinished(() => void storage.close());
      await storage.migrate();
      return storage;
    };

    it('commits write sets that arrive together in one transaction, and acknowledges each with its own result', async ({
      onTestFinished,
    }) => {
      const storage = await open(onTestFinished);
      const results = await Promise.all([
        storage.write(set(event('m1'), event('m2'))),
        storage.write(set(event('m2'), event('m3'))),
        storage.write(set()),
      ]);
      expect(results).toMatchObject([
        { inserted: 2, duplicates: 0 },
        { inserted: 1, duplicates: 1, seqs: [null, results[0]!.seqs[1]! + 1] },
        { inserted: 0, duplicates: 0, seqs: [] },
      ]);
    });

    it('refuses only the write set the database refuses, and keeps the others that arrived with it', async ({
      onTestFinished,
    }) => {
      const storage = await open(onTestFinished);
      const [first, broken, last] = await Promise.allSettled([
        storage.write(set(event('ok-1'))),
        storage.write(set(event('bad-1'), event('bad-2', null))),
        storage.write(set(event('ok-2'))),
      ]);
      expect(first).toMatchObject({ status: 'fulfilled', value: { inserted: 1, duplicates: 0 } });
      expect(broken).toMatchObject({ status: 'rejected', reason: { code: 'storage_unavailable', status: 503 } });
      expect(last).toMatchObject({ status: 'fulfilled', value: { inserted: 1, duplicates: 0 } });
      const { events } = await storage.events({ site: 'shop', userIds: [], anonymousIds: ['a'], limit: 10 });
      expect(events.map((e) => e.messageId).sort()).toEqual(['ok-1', 'ok-2']);
    });

    it('commits the writes it has taken before it closes, and refuses writes after', async ({ onTestFinished }) => {
      const storage = await open(onTestFinished);
      const writes = Array.from({ length: 20 }, (_, n) => storage.write(set(event(`m${n}`))));
      await storage.close();
      expect(await Promise.all(writes)).toMatchObject(writes.map(() => ({ inserted: 1, duplicates: 0 })));
      await expect(storage.write(set(event('late')))).rejects.toMatchObject({
        code: 'storage_unavailable',
        status: 503,
      });
    });
  });

describe('sqlite storage: on a file', () => {
  it('answers 503 to every set of a group at once while another holds the lock, not one busy timeout after another', async ({
    onTestFinished,
  }) => {
    const path = tempFile(onTestFinished);
    const storage = createSqliteStorage({ path, busyTimeoutMs: 200 });
    onTestFinished(() => void storage.close());
    await storage.migrate();
    const holder = new DatabaseSync(path);
    holder.exec('begin exclusive');
    const started = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, n) => storage.write(set(event(`m${n}`)))));
    holder.exec('rollback');
    holder.close();
    expect(performance.now() - started).toBeLessThan(1500);
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'storage_unavailable', status: 503 } });
    expect(await storage.write(set(event('m0')))).toMatchObject({ inserted: 1, duplicates: 0 });
  });
});
