import { describe, expect, it } from 'vitest';
import type { IdentityLink, NodeRef, Storage, StoredEvent, WriteSet } from '../../src/storage/storage.ts';
import { anon, at, device, link, set, user, type StorageUnderTest } from './subject.ts';

// The identity graph part of the storage contract (see index.ts, which runs it for every adapter).

const SITE = 'shop';

const write = (storage: Storage, parts: Partial<WriteSet>) => storage.write(set(parts));
const linkAll = (storage: Storage, ...links: IdentityLink[]) => write(storage, { links });

function event(messageId: string, ids: { anonymousId?: string; userId?: string }): StoredEvent {
  return {
    type: 'track',
    messageId,
    event: 'Viewed',
    ...ids,
    site: SITE,
    timestamp: at(),
    receivedAt: '2026-06-01T13:00:00.000Z',
  };
}

async function personOf(storage: Storage, node: NodeRef) {
  const person = await storage.person(SITE, node);
  if (!person) throw new Error(`no person for ${node.kind} ${node.id}`);
  return {
    ...person,
    userIds: [...person.userIds].sort(),
    anonymousIds: [...person.anonymousIds].sort(),
    deviceIds: [...person.deviceIds].sort(),
  };
}

export function describeIdentityConformance(adapter: string, subject: () => StorageUnderTest): void {
  const storage = () => subject().storage;

  describe(`${adapter} storage: identity graph`, () => {
    it('joins an anonymous ID to the user it logs in as, and the person holds the events sent before the login', async () => {
      await write(storage(), { events: [event('before', { anonymousId: 'a1' })] });
      await write(storage(), {
        events: [event('after', { anonymousId: 'a1', userId: 'u1' })],
        links: [link(anon('a1'), user('u1'))],
      });

      const person = await personOf(storage(), user('u1'));
      expect(person).toMatchObject({ userIds: ['u1'], anonymousIds: ['a1'], deviceIds: [] });
      expect((await personOf(storage(), anon('a1'))).personId).toBe(person.personId);
      const { events } = await storage().events({
        site: SITE,
        userIds: person.userIds,
        anonymousIds: person.anonymousIds,
        limit: 10,
      });
      expect(events.map((e) => e.messageId)).toEqual(['after', 'before']);
      expect(await storage().eventSummary({ site: SITE, ...person })).toMatchObject({ eventCount: 2 });
    });

    it('bridges two devices that log in as the same user into one person', async () => {
      await linkAll(storage(), link(device('d1'), anon('a1'), 'cookie'), link(anon('a1'), user('u1')));
      await linkAll(storage(), link(device('d2'), anon('a2'), 'cookie'), link(anon('a2'), user('u1')));
      const person = await personOf(storage(), device('d2'));
      expect(person).toMatchObject({ userIds: ['u1'], anonymousIds: ['a1', 'a2'], deviceIds: ['d1', 'd2'] });
      expect((await personOf(storage(), anon('a1'))).personId).toBe(person.personId);
    });

    it('never joins two users: a second login on an anonymous ID is recorded as refused, not merged', async () => {
      await linkAll(storage(), link(anon('a1'), user('u1')));
      await linkAll(storage(), link(anon('a1'), user('u2')));
      expect(await personOf(storage(), user('u1'))).toMatchObject({ userIds: ['u1'], anonymousIds: ['a1'] });
      expect(await personOf(storage(), user('u2'))).toMatchObject({ userIds: ['u2'], anonymousIds: [] });
      const edges = await storage().edges(SITE, (await personOf(storage(), user('u2'))).personId);
      expect(edges).toEqual([
        expect.objectContaining({ from: anon('a1'), to: user('u2'), how: 'login', outcome: 'refused' }),
      ]);
    });

    it('refuses to join two users through a chain of anonymous IDs and devices', async () => {
      await linkAll(storage(), link(device('d1'), anon('a1'), 'cookie'), link(anon('a1'), user('u1')));
      await linkAll(storage(), link(anon('a2'), user('u2')));
      // The device's cookie meets the second user's anonymous ID: joining would make u1 and u2 one.
      await linkAll(storage(), link(device('d1'), anon('a2'), 'cookie'));
      expect((await personOf(storage(), user('u1'))).userIds).toEqual(['u1']);
      expect((await personOf(storage(), user('u2'))).userIds).toEqual(['u2']);
    });

    it('joins an alias of an anonymous ID, refuses one between two users, and keeps sites apart', async () => {
      await linkAll(
        storage(),
        link(anon('a1'), user('u1'), 'alias'),
        link(user('u1'), user('u2'), 'alias'),
        link(anon('a1'), user('u9'), 'login', 'blog'),
      );
      expect(await personOf(storage(), user('u1'))).toMatchObject({ userIds: ['u1'], anonymousIds: ['a1'] });
      expect((await personOf(storage(), user('u2'))).userIds).toEqual(['u2']);
      expect(await storage().person('blog', anon('a1'))).toMatchObject({ userIds: ['u9'] });
    });

    it('logs each merge with the nodes it moved, once, however often the edge is resent', async () => {
      await linkAll(storage(), link(device('d1'), anon('a1'), 'cookie'));
      for (let i = 0; i < 3; i++) await linkAll(storage(), link(anon('a1'), user('u1')));
      const merges = await subject().query('select kept_person, merged_person from merge_log order by edge_seq');
      expect(merges).toHaveLength(2);
      // The cookie edge moved the anonymous ID to the device's person; the login moved both to the user's.
      const moved = await subject().query('select kind, id from merge_moves order by edge_seq, kind, id');
      expect(moved.map((row) => `${row.kind}:${row.id}`)).toEqual(['anonymous:a1', 'anonymous:a1', 'device:d1']);
      expect(await subject().query('select how, outcome from identity_edges order by seq')).toEqual([
        { how: 'cookie', outcome: 'merged' },
        { how: 'login', outcome: 'merged' },
      ]);
      expect(merges[1]?.kept_person).toBe((await personOf(storage(), user('u1'))).personId);
      expect(merges[1]?.merged_person).toBe(merges[0]?.kept_person);
    });

    it('merges traits across the person, the latest value of a key winning', async () => {
      await linkAll(storage(), link(anon('a1'), user('u1')));
      await write(storage(), {
        traits: [{ site: SITE, node: user('u1'), traits: { plan: 'free', email: 'kim@example.com' }, at: at() }],
      });
      await write(storage(), {
        traits: [{ site: SITE, node: anon('a1'), traits: { plan: 'pro', nested: { a: 1 } }, at: at() }],
      });
      expect((await personOf(storage(), user('u1'))).traits).toEqual({
        plan: 'pro',
        email: 'kim@example.com',
        nested: { a: 1 },
      });
    });

    it('keeps the graph consistent when two instances receive conflicting logins for the same IDs at once', async () => {
      const second = subject().another();
      await second.migrate();
      for (let round = 0; round < 10; round++) {
        const shared = anon(`race-${round}`);
        // Already known, with its device: the two logins then race on existing rows, not on inserting new ones.
        await linkAll(storage(), link(device(`race-device-${round}`), shared, 'cookie'));
        await Promise.all([
          linkAll(storage(), link(shared, user(`x-${round}`))),
          linkAll(second, link(shared, user(`y-${round}`))),
        ]);
        const person = await personOf(storage(), shared);
        expect(person.userIds).toHaveLength(1);
        expect(person.deviceIds).toEqual([`race-device-${round}`]);
        const outcomes = await subject().query(
          `select outcome from identity_edges where from_id = 'race-${round}' order by outcome`,
        );
        expect(outcomes.map((row) => row.outcome)).toEqual(['merged', 'refused']);
        const other = person.userIds[0] === `x-${round}` ? user(`y-${round}`) : user(`x-${round}`);
        expect((await personOf(storage(), other)).anonymousIds).toEqual([]);
      }
    });

    it('answers the anonymous ID a device cookie was first given with', async () => {
      await linkAll(storage(), link(device('d1'), anon('a1'), 'cookie'), link(device('d1'), anon('a2'), 'cookie'));
      expect(await storage().deviceAnonymousId(SITE, 'd1')).toBe('a1');
      expect(await storage().deviceAnonymousId(SITE, 'unknown')).toBeNull();
    });

    it('scores stitching candidates from the same address within half an hour, stores their reasons, and merges nothing', async () => {
      const signal = (anonymousId: string, seenAt: number, ip = '203.0.113.0', userAgent = 'Firefox/140') => ({
        site: SITE,
        anonymousId,
        ip,
        userAgent,
        seenAt,
      });
      const t = Date.UTC(2026, 5, 1, 12) / 1000;
      await write(storage(), {
        stitch: [
          signal('s1', t),
          signal('other-net', t, '198.51.100.0'),
          signal('other-ua', t + 10, '203.0.113.0', 'Chrome/141'),
        ],
      });
      await write(storage(), { stitch: [signal('s2', t + 60)] });
      await write(storage(), { stitch: [signal('late', t + 60 + 1801)] });

      const candidates = await storage().stitchCandidates({ site: SITE, userIds: [], anonymousIds: ['s2'] });
      expect(candidates.map(({ candidateId, reasons }) => [candidateId, reasons])).toEqual([
        ['s1', 'same network, same user agent, 60 s apart'],
        ['other-ua', 'same network, 50 s apart'],
      ]);
      expect(candidates[0]!.score).toBeCloseTo(0.5 + 0.3 + (0.2 * (1800 - 60)) / 1800, 5);
      expect(candidates[1]!.score).toBeCloseTo(0.5 + (0.2 * (1800 - 50)) / 1800, 5);
      expect(await storage().stitchCandidates({ site: SITE, userIds: [], anonymousIds: ['late'] })).toEqual([]);
      expect(await storage().person(SITE, anon('s2'))).toBeNull();
    });

    it('takes an erased person’s events out of dead letters, keeping the other people’s', async () => {
      await write(storage(), {
        events: [
          event('kim-1', { anonymousId: 'kim' }),
          event('lee-1', { anonymousId: 'lee' }),
          event('kim-2', { anonymousId: 'x', userId: 'kim-user' }),
        ],
      });
      await write(storage(), { events: [event('kim-3', { anonymousId: 'kim' })] });
      await storage().claimForwarding('hook', 'owner', 30_000);
      const failure = { error: 'HTTP 500', attempts: 3, at: at() };
      expect(await storage().deadLetter('hook', 'owner', await storage().pending('hook', 3), failure)).toBe(true);
      expect(await storage().deadLetter('hook', 'owner', await storage().pending('hook', 10), failure)).toBe(true);
      await linkAll(storage(), link(anon('kim'), user('kim-user')));

      await storage().erase(SITE, await personOf(storage(), user('kim-user')), {
        receiptId: 'r',
        site: SITE,
        erasedAt: at(),
        pseudonym: 'erased:r',
      });
      const letters = await storage().deadLetters('hook', 10);
      expect(letters.map((letter) => letter.events.map(({ event }) => event.messageId))).toEqual([['lee-1']]);
    });

    it('claims a linker nonce once', async () => {
      const now = '2026-06-01T12:00:00.000Z';
      const expires = '2026-06-01T12:02:00.000Z';
      expect(await storage().claimNonce('n1', expires, now)).toBe(true);
      expect(await storage().claimNonce('n1', expires, now)).toBe(false);
      expect(await storage().claimNonce('n2', expires, now)).toBe(true);
      // Once expired, a token is refused for its age; its nonce need not be kept.
      expect(await storage().claimNonce('n3', '2026-06-01T12:10:00.000Z', '2026-06-01T12:05:00.000Z')).toBe(true);
      expect(await subject().query('select nonce from linker_nonces order by nonce')).toEqual([{ nonce: 'n3' }]);
    });

    it('erases a person everywhere but the consent log, which keeps its records under the pseudonym', async () => {
      const ids = ['a1', 'u1', 'd1'];
      await write(storage(), {
        events: [
          event('e1', { anonymousId: 'a1' }),
          event('e2', { anonymousId: 'a1', userId: 'u1' }),
          event('other', { anonymousId: 'a9' }),
        ],
        consents: [
          {
            site: SITE,
            messageId: 'c1',
            anonymousId: 'a1',
            timestamp: at(),
            receivedAt: at(),
            consent: {
              policyVersion: '1',
              categories: { necessary: true, analytics: true, marketing: false },
              method: 'accept-all',
            },
          },
        ],
        rejected: [
          {
            site: SITE,
            receivedAt: at(),
            reason: 'missing_event',
            message: 'm',
            payload: JSON.stringify({ type: 'track', anonymousId: 'a1' }),
            anonymousId: 'a1',
          },
        ],
        links: [link(device('d1'), anon('a1'), 'cookie'), link(anon('a1'), user('u1'))],
        traits: [{ site: SITE, node: user('u1'), traits: { email: 'kim@example.com' }, at: at() }],
        stitch: [{ site: SITE, anonymousId: 'a1', ip: '203.0.113.0', userAgent: 'Firefox', seenAt: 1_780_000_000 }],
      });
      await write(storage(), {
        stitch: [{ site: SITE, anonymousId: 'a7', ip: '203.0.113.0', userAgent: 'Firefox', seenAt: 1_780_000_010 }],
      });
      const person = await personOf(storage(), user('u1'));
      const receipt = await storage().erase(SITE, person, {
        receiptId: 'r-1',
        site: SITE,
        erasedAt: at(),
        pseudonym: 'erased:r-1',
      });

      expect(receipt.erased).toEqual({ events: 2, ids: 3, consents: 1, rejected: 1 });
      expect(await storage().person(SITE, user('u1'))).toBeNull();
      expect(await storage().person(SITE, anon('a1'))).toBeNull();
      // Nothing left anywhere in the database that names the person, but the receipt and the pseudonymised proof.
      for (const table of [
        'events',
        'rejected',
        'consent_log',
        'identities',
        'identity_edges',
        'identity_traits',
        'merge_log',
        'merge_moves',
        'stitch_signals',
        'stitch_candidates',
      ]) {
        const rows = JSON.stringify(await subject().query(`select * from ${table}`));
        for (const id of [...ids, person.personId, 'kim@example.com'])
          expect(rows, `${table} still holds ${id}`).not.toContain(`"${id}"`);
      }
      expect(await subject().query('select anonymous_id, message_id from consent_log')).toEqual([
        { anonymous_id: 'erased:r-1', message_id: 'c1' },
      ]);
      expect(await storage().events({ site: SITE, userIds: [], anonymousIds: ['a9'], limit: 10 })).toMatchObject({
        events: [{ messageId: 'other' }],
      });
      await expect(subject().query("update consent_log set method = 'api'")).rejects.toThrow(/append-only/);
    });
  });
}
