import { beforeEach, describe, expect, it } from 'vitest';
import type { OutboxEvent, Storage } from '../../src/storage/storage.ts';
import { event, set, type StorageUnderTest } from './subject.ts';

/**
 * The `ForwardStore` contract (the events table read as an outbox), as part of the storage
 * contract (index.ts), on its migrated storage. Uses nothing but the interface, `query` and
 * vitest, so it runs on Workers too.
 */
export function describeForwardStoreConformance(adapter: string, current: () => StorageUnderTest): void {
  let subject: StorageUnderTest;
  let storage: Storage;
  beforeEach(() => {
    subject = current();
    storage = subject.storage;
  });

  const store = (...messageIds: string[]) => storage.write(set({ events: messageIds.map((id) => event(id)) }));
  const ids = (batch: OutboxEvent[]) => batch.map((e) => e.event.messageId);
  const deliver = async (destination: string, owner: string, limit = 100) => {
    const batch = await storage.pending(destination, limit);
    const last = batch.at(-1);
    if (last) expect(await storage.advance(destination, owner, last.position)).toBe(true);
    return ids(batch);
  };

  describe(`${adapter} storage: forwarding outbox`, () => {
    it('hands a new destination every stored event in the order stored, as stored, with its seq', async () => {
      await store('m1', 'm2');
      await store('m3');
      const batch = await storage.pending('hook', 10);
      expect(ids(batch)).toEqual(['m1', 'm2', 'm3']);
      expect(batch[0]?.event).toStrictEqual(event('m1'));
      const seqs = batch.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(3);
    });

    it('hands out at most `limit` events, then the next ones once the cursor moved', async () => {
      expect(await storage.claimForwarding('hook', 'a', 30_000)).toBe(true);
      await store('m1', 'm2', 'm3', 'm4', 'm5');
      expect(await deliver('hook', 'a', 2)).toEqual(['m1', 'm2']);
      expect(await deliver('hook', 'a', 2)).toEqual(['m3', 'm4']);
      expect(await deliver('hook', 'a', 2)).toEqual(['m5']);
      expect(await storage.pending('hook', 2)).toEqual([]);
      await store('m6');
      expect(await deliver('hook', 'a')).toEqual(['m6']);
    });

    it('keeps one cursor per destination', async () => {
      await storage.claimForwarding('nats', 'a', 30_000);
      await storage.claimForwarding('webhook:crm', 'a', 30_000);
      await store('m1', 'm2');
      expect(await deliver('nats', 'a')).toEqual(['m1', 'm2']);
      expect(ids(await storage.pending('webhook:crm', 10))).toEqual(['m1', 'm2']);
    });

    it('does not hand out a resent event again', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1', 'm2');
      expect(await deliver('hook', 'a')).toEqual(['m1', 'm2']);
      await store('m2', 'm3');
      expect(await deliver('hook', 'a')).toEqual(['m3']);
    });

    it('never moves a cursor back', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1', 'm2');
      const [first, second] = await storage.pending('hook', 10);
      expect(await storage.advance('hook', 'a', second!.position)).toBe(true);
      expect(await storage.advance('hook', 'a', first!.position)).toBe(true);
      expect(await storage.pending('hook', 10)).toEqual([]);
    });

    it('lets one owner at a time hold a destination, renews its lease, and hands it on when the lease runs out', async () => {
      expect(await storage.claimForwarding('hook', 'a', 150)).toBe(true);
      expect(await storage.claimForwarding('hook', 'b', 150)).toBe(false);
      expect(await storage.claimForwarding('hook', 'a', 150)).toBe(true);
      expect(await storage.claimForwarding('other', 'b', 150)).toBe(true);
      await sleep(300);
      expect(await storage.claimForwarding('hook', 'b', 30_000)).toBe(true);
      expect(await storage.claimForwarding('hook', 'a', 30_000)).toBe(false);
    });

    it('moves the cursor only for the owner of the lease', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1', 'm2');
      const batch = await storage.pending('hook', 10);
      expect(await storage.advance('hook', 'b', batch.at(-1)!.position)).toBe(false);
      expect(ids(await storage.pending('hook', 10))).toEqual(['m1', 'm2']);
    });

    it('hands a released destination to another owner at once, and the last owner can no longer move it', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1');
      const batch = await storage.pending('hook', 10);
      await storage.releaseForwarding('hook', 'a');
      expect(await storage.claimForwarding('hook', 'b', 30_000)).toBe(true);
      expect(await storage.advance('hook', 'a', batch[0]!.position)).toBe(false);
      expect(await deliver('hook', 'b')).toEqual(['m1']);
    });

    it('shares cursors and leases with another instance on the same database', async () => {
      const second = subject.another();
      await second.migrate();
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1', 'm2');
      expect(await deliver('hook', 'a')).toEqual(['m1', 'm2']);
      expect(await second.claimForwarding('hook', 'b', 30_000)).toBe(false);
      await second.write(set({ events: [event('m3')] }));
      expect(ids(await second.pending('hook', 10))).toEqual(['m3']);
    });

    it('keeps a dead letter with its events and error, moves the cursor past it, and removes it on request', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1', 'm2', 'm3');
      const batch = await storage.pending('hook', 2);
      const failure = { error: 'HTTP 500 from the receiver', attempts: 8, at: '2026-06-01T12:05:00.000Z' };
      expect(await storage.deadLetter('hook', 'a', batch, failure)).toBe(true);
      expect(ids(await storage.pending('hook', 10))).toEqual(['m3']);

      const [letter, ...more] = await storage.deadLetters('hook', 10);
      expect(more).toEqual([]);
      expect(letter).toMatchObject({ destination: 'hook', failedAt: failure.at, attempts: 8, error: failure.error });
      expect(letter!.events).toStrictEqual(batch.map(({ seq, event }) => ({ seq, event })));
      expect(await storage.deadLetters('other', 10)).toEqual([]);

      await store('m4');
      expect(
        await storage.deadLetter('hook', 'a', await storage.pending('hook', 10), { ...failure, error: 'HTTP 400' }),
      ).toBe(true);
      expect((await storage.deadLetters('hook', 10)).map((l) => l.error)).toEqual([failure.error, 'HTTP 400']);
      expect(await storage.removeDeadLetter(letter!.id)).toBe(true);
      expect(await storage.removeDeadLetter(letter!.id)).toBe(false);
      expect((await storage.deadLetters('hook', 10)).map((l) => l.error)).toEqual(['HTTP 400']);
    });

    it('keeps no dead letter from a forwarder that lost its lease', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1');
      const batch = await storage.pending('hook', 10);
      await storage.releaseForwarding('hook', 'a');
      await storage.claimForwarding('hook', 'b', 30_000);
      expect(
        await storage.deadLetter('hook', 'a', batch, { error: 'late', attempts: 1, at: '2026-06-01T12:00:00.000Z' }),
      ).toBe(false);
      expect(await storage.deadLetters('hook', 10)).toEqual([]);
      expect(ids(await storage.pending('hook', 10))).toEqual(['m1']);
    });

    // An erasure can delete the newest event after it was delivered; the next event must still go out.
    it('hands out an event stored after the newest delivered one was deleted', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1', 'm2');
      expect(await deliver('hook', 'a')).toEqual(['m1', 'm2']);
      await subject.query("delete from events where message_id = 'm2'");
      await store('m3');
      expect(await deliver('hook', 'a')).toEqual(['m3']);
    });

    it('does not let a batch read before the newest event was deleted move the cursor past the event stored next', async () => {
      await storage.claimForwarding('hook', 'a', 30_000);
      await store('m1', 'm2');
      const batch = await storage.pending('hook', 10);
      await subject.query("delete from events where message_id = 'm2'");
      await store('m3');
      await storage.advance('hook', 'a', batch.at(-1)!.position);
      expect(ids(await storage.pending('hook', 10))).toContain('m3');
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
