import { describe, expect, it } from 'vitest';
import { expireOld, startRetention } from './retention.ts';
import { idsOf, type Storage, type StoredEvent } from './storage/storage.ts';
import { testApp } from '../test/support/app.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');

const stored = (messageId: string, receivedAt: string): StoredEvent => ({
  type: 'page',
  messageId,
  anonymousId: 'anon-1',
  site: 'shop',
  timestamp: receivedAt,
  receivedAt,
});

async function storeOldAndNew(storage: Storage) {
  const old = Array.from({ length: 25 }, (_, i) => stored(`old-${i}`, '2026-04-01T00:00:00.000Z'));
  const recent = Array.from({ length: 3 }, (_, i) => stored(`new-${i}`, '2026-05-30T00:00:00.000Z'));
  await storage.write({ events: [...old, ...recent], consents: [], rejected: [] });
}

const messageIds = async (storage: Storage) =>
  (await storage.events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-1' }), limit: 100 })).events
    .map((e) => e.messageId)
    .sort();

describe('retention', () => {
  it('deletes, chunk after chunk, what was stored more than retentionDays ago, and nothing newer', async () => {
    const { storage } = await testApp();
    await storeOldAndNew(storage);
    expect(await expireOld(storage, 30, NOW, 10)).toMatchObject({ events: 25, rejected: 0 });
    expect(await messageIds(storage)).toEqual(['new-0', 'new-1', 'new-2']);
    expect(await expireOld(storage, 30, NOW, 10)).toMatchObject({ events: 0 });
  });

  it('runs by itself on Node, says what it deleted, and logs a failed run instead of throwing', async () => {
    const { storage } = await testApp();
    await storeOldAndNew(storage);
    const logs: string[] = [];
    const retention = startRetention(storage, 30, {
      firstAfterMs: 1,
      everyMs: 20,
      clock: () => NOW,
      log: (line) => logs.push(line),
    });
    for (let waited = 0; logs.length === 0 && waited < 5000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(logs[0]).toMatch(/older than 30 days: .*"events":25/);
    expect(await messageIds(storage)).toEqual(['new-0', 'new-1', 'new-2']);

    await storage.close();
    for (let waited = 0; logs.length < 2 && waited < 5000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await retention.stop();
    expect(logs[1]).toMatch(/could not delete expired data, trying again at the next run/);
  });
});
