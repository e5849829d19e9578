import { expect, it } from 'vitest';
import { idsOf, type Storage, type StoredEvent } from '../../src/storage/storage.ts';
import {
  browserContext,
  event as storedEvent,
  messageIds as messageIdsOf,
  rejected as rejectedEvent,
  set,
  type StorageUnderTest,
} from './subject.ts';

const OLD = '2025-01-10T12:00:00.000Z';
const NEW = '2026-06-01T12:00:00.000Z';
const CUTOFF = new Date('2026-01-01T00:00:00.000Z');

/** Retention, as part of the storage contract (index.ts): run by every adapter's test file. */
export function describeRetentionConformance(subject: () => StorageUnderTest): void {
  const storage = (): Storage => subject().storage;

  it('expires what was stored before the cutoff, a chunk at a time and oldest first, and keeps the rest and the consent log', async () => {
    const events = [...['o1', 'o2', 'o3', 'o4', 'o5'].map((id) => event(id, OLD)), event('n1', NEW), event('n2', NEW)];
    await storage().write(
      set({
        events,
        rejected: [rejected(OLD), rejected(OLD), rejected(OLD), rejected(NEW)],
        consents: [
          {
            site: 'shop',
            messageId: 'c-old',
            anonymousId: 'anon-r',
            timestamp: OLD,
            receivedAt: OLD,
            consent: {
              policyVersion: '1',
              categories: { necessary: true, analytics: true, marketing: true },
              method: 'accept-all',
            },
          },
        ],
        traits: [
          { site: 'shop', node: { kind: 'user', id: 'u-old' }, traits: { email: 'old@example.com' }, at: OLD },
          { site: 'shop', node: { kind: 'user', id: 'u-new' }, traits: { email: 'new@example.com' }, at: NEW },
        ],
      }),
    );

    expect(await storage().expire(CUTOFF, 2)).toEqual({
      events: 2,
      rejected: 2,
      deadLetters: 0,
      traits: 1,
      stitching: 0,
    });
    expect(await messageIds(storage())).toEqual(['n2', 'n1', 'o5', 'o4', 'o3']);
    expect(await storage().expire(CUTOFF, 2)).toMatchObject({ events: 2, rejected: 1, traits: 0 });
    expect(await storage().expire(CUTOFF, 2)).toMatchObject({ events: 1, rejected: 0 });
    expect(await storage().expire(CUTOFF, 2)).toEqual({
      events: 0,
      rejected: 0,
      deadLetters: 0,
      traits: 0,
      stitching: 0,
    });

    expect(await messageIds(storage())).toEqual(['n2', 'n1']);
    expect((await storage().rejected('shop', 10)).map((r) => r.receivedAt)).toEqual([NEW]);
    expect((await storage().person('shop', { kind: 'user', id: 'u-new' }))?.traits).toEqual({
      email: 'new@example.com',
    });
    expect((await storage().person('shop', { kind: 'user', id: 'u-old' }))?.traits ?? {}).toEqual({});
    // The proof of consent outlives the events it covered.
    expect(
      (await storage().consents(idsOf('shop', { kind: 'anonymous', id: 'anon-r' }))).map((c) => c.messageId),
    ).toEqual(['c-old']);
  });

  it('expires a browser’s context once the last event that shares it is past the cutoff', async () => {
    const gone = { ...event('o1', OLD), context: browserContext('GoneAgent/1.0') };
    const kept = [OLD, NEW].map((at, i) => ({ ...event(`k${i}`, at), context: browserContext('KeptAgent/1.0') }));
    await storage().write(set({ events: [gone, ...kept] }));
    expect(await subject().query('select received_at from contexts order by received_at')).toHaveLength(2);

    expect(await storage().expire(CUTOFF, 10)).toMatchObject({ events: 2 });
    expect(await subject().query('select received_at from contexts')).toEqual([{ received_at: NEW }]);
    expect(
      (await storage().events({ ...idsOf('shop', { kind: 'anonymous', id: 'anon-r' }), limit: 10 })).events,
    ).toStrictEqual([kept[1]]);
  });

  it('expires dead letters that failed before the cutoff', async () => {
    await storage().claimForwarding('hook', 'a', 30_000);
    await storage().write(set({ events: [event('d1', NEW), event('d2', NEW)] }));
    const [first, second] = await storage().pending('hook', 2);
    expect(await storage().deadLetter('hook', 'a', [first!], { error: 'HTTP 500', attempts: 3, at: OLD })).toBe(true);
    expect(await storage().deadLetter('hook', 'a', [second!], { error: 'HTTP 500', attempts: 3, at: NEW })).toBe(true);
    expect(await storage().expire(CUTOFF, 10)).toMatchObject({ events: 0, deadLetters: 1 });
    expect((await storage().deadLetters('hook', 10)).map((letter) => letter.failedAt)).toEqual([NEW]);
  });
}

// Received (and sent) at the time given, by anon-r, apart from the other suites' anon-1.
const event = (messageId: string, receivedAt: string): StoredEvent =>
  storedEvent(messageId, { anonymousId: 'anon-r', event: 'Product Viewed', timestamp: receivedAt, receivedAt });
const rejected = (receivedAt: string) => ({ ...rejectedEvent('r'), receivedAt });
const messageIds = (storage: Storage) => messageIdsOf(storage, { kind: 'anonymous', id: 'anon-r' });
