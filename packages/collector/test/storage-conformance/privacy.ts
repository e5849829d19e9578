import { describe, expect, it } from 'vitest';
import { browserContext, type StorageUnderTest } from './subject.ts';
import type { NodeRef, Person, RejectedEvent, Storage, StoredEvent, WriteSet } from '../../src/storage/storage.ts';

// The privacy part of the storage contract (see index.ts): what erasure leaves behind, whose
// data an event is, the quarantine's IDs, and whether storage can take writes.

const SITE = 'shop';
const anon = (id: string): NodeRef => ({ kind: 'anonymous', id });
const user = (id: string): NodeRef => ({ kind: 'user', id });
const AT = '2026-06-01T12:00:00.000Z';
const write = (storage: Storage, parts: Partial<WriteSet>) =>
  storage.write({ events: [], consents: [], rejected: [], ...parts });

function event(
  messageId: string,
  ids: { anonymousId?: string; userId?: string },
  extra: Partial<StoredEvent> = {},
): StoredEvent {
  return { type: 'track', messageId, event: 'Viewed', ...ids, site: SITE, timestamp: AT, receivedAt: AT, ...extra };
}

function quarantined(payload: Record<string, unknown>): RejectedEvent {
  const entry: RejectedEvent = {
    site: SITE,
    receivedAt: AT,
    reason: 'missing_event',
    message: 'm',
    payload: JSON.stringify(payload),
  };
  if (typeof payload.anonymousId === 'string') entry.anonymousId = payload.anonymousId;
  if (typeof payload.userId === 'string') entry.userId = payload.userId;
  return entry;
}

async function personOf(storage: Storage, node: NodeRef): Promise<Person> {
  const person = await storage.person(SITE, node);
  if (!person) throw new Error(`no person for ${node.kind} ${node.id}`);
  return person;
}

const idsOfPerson = (person: Person) => ({ site: SITE, userIds: person.userIds, anonymousIds: person.anonymousIds });
const receipt = (id: string) => ({ receiptId: id, site: SITE, erasedAt: AT, pseudonym: `erased:${id}` });

export function describePrivacyConformance(adapter: string, subject: () => StorageUnderTest): void {
  const storage = () => subject().storage;

  describe(`${adapter} storage: privacy`, () => {
    it('gives an event that names a user ID to that user only, even when another user logged in first on its anonymous ID', async () => {
      const mallorysLogin = {
        site: SITE,
        from: anon('shared'),
        to: user('mallory'),
        how: 'login' as const,
        source: 'm1',
        at: AT,
      };
      const bobsLogin = { ...mallorysLogin, to: user('bob'), source: 'b1' };
      await write(storage(), {
        events: [event('m1', { anonymousId: 'shared', userId: 'mallory' }), event('before', { anonymousId: 'shared' })],
        links: [mallorysLogin],
      });
      await write(storage(), {
        events: [
          event(
            'b1',
            { anonymousId: 'shared', userId: 'bob' },
            { type: 'identify', traits: { email: 'bob@example.com' } },
          ),
        ],
        consents: [
          {
            site: SITE,
            messageId: 'bc',
            anonymousId: 'shared',
            userId: 'bob',
            timestamp: AT,
            receivedAt: AT,
            consent: {
              policyVersion: '1',
              categories: { necessary: true, analytics: true, marketing: false },
              method: 'accept-all',
            },
          },
        ],
        rejected: [quarantined({ type: 'track', anonymousId: 'shared', userId: 'bob' })],
        links: [bobsLogin],
      });

      const mallory = await personOf(storage(), user('mallory'));
      const bob = await personOf(storage(), user('bob'));
      const messageIds = async (person: Person) =>
        (await storage().events({ ...idsOfPerson(person), limit: 10 })).events.map((e) => e.messageId).sort();
      expect(await messageIds(mallory)).toEqual(['before', 'm1']);
      expect(await messageIds(bob)).toEqual(['b1']);
      expect(await storage().eventSummary(idsOfPerson(mallory))).toMatchObject({ eventCount: 2 });
      expect(await storage().consents(idsOfPerson(mallory))).toEqual([]);
      expect(await storage().rejectedOf(idsOfPerson(mallory))).toEqual([]);
      expect(JSON.stringify(await storage().edges(SITE, mallory.personId))).not.toContain('bob');
      expect(await storage().edges(SITE, bob.personId)).toEqual([
        expect.objectContaining({ to: user('bob'), outcome: 'refused' }),
      ]);

      await storage().erase(SITE, mallory, receipt('r-m'));
      expect(await messageIds(bob)).toEqual(['b1']);
      expect(await storage().consents(idsOfPerson(bob))).toMatchObject([
        { messageId: 'bc', anonymousId: 'shared', userId: 'bob' },
      ]);
      expect(await storage().rejectedOf(idsOfPerson(bob))).toHaveLength(1);
    });

    it('finds the quarantined events that name a person by their exact IDs, and erases them with the person', async () => {
      const theirs = [
        quarantined({ type: 'track', anonymousId: 'track' }),
        quarantined({ type: 'alias', userId: 'kim' }),
      ];
      // Other visitors' payloads hold the erased IDs as text ("track", "kim"), but not as their IDs.
      const others = [
        quarantined({ type: 'track', anonymousId: 'someone' }),
        quarantined({ type: 'track', anonymousId: 'kimberly', event: 'kim' }),
        quarantined({ type: 'x', anonymousId: 'trackless' }),
      ];
      await write(storage(), {
        rejected: [...theirs, ...others],
        links: [{ site: SITE, from: anon('track'), to: user('kim'), how: 'login', source: 's', at: AT }],
      });
      const person = await personOf(storage(), user('kim'));

      expect(await storage().rejectedOf(idsOfPerson(person))).toEqual(theirs);
      const done = await storage().erase(SITE, person, receipt('r-k'));
      expect(done.erased.rejected).toBe(2);
      expect(await storage().rejected(SITE, 10)).toEqual([...others].reverse());
    });

    it('can take writes when healthy, and says why not while the database is out of reach', async () => {
      expect(await storage().writable()).toBeNull();
      await subject().cutOff();
      let problem: string | null;
      try {
        problem = await storage().writable();
      } finally {
        await subject().restore();
      }
      expect(problem).toEqual(expect.any(String));
      expect(await storage().writable()).toBeNull();
    });

    // Twenty write sets, an erasure and (PostgreSQL) a vacuum of every table and index: seconds on a busy machine.
    it('leaves none of an erased person’s values in the database files, and keeps serving', async () => {
      // D1's files are Cloudflare's (see the README on what erasure guarantees there): every row of every table instead.
      const raw = subject().leftovers?.bind(subject()) ?? (() => everyRow(subject()));
      const values = [
        'u-zq8erasable',
        'a-zq8erasable',
        'd-zq8erasable',
        'zq8@erased.example',
        'Zq8 Erasedname',
        'zq8-street-7',
      ];
      const [userId, anonymousId, deviceId, email, name, street] = values as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      for (let round = 0; round < 20; round++) {
        await write(storage(), {
          events: [
            event(`e-${round}`, { anonymousId }, { properties: { street, n: round } }),
            event(`i-${round}`, { anonymousId, userId }, { type: 'identify', traits: { email, name } }),
            event(`other-${round}`, { anonymousId: 'someone-else' }),
            // An order that came by a campaign: the figures' rollups keep it beside the event (migration 10).
            event(
              `o-${round}`,
              { anonymousId, userId },
              { event: 'Order Completed', properties: { revenue: 5 }, context: { campaign: { name: street } } },
            ),
          ],
          consents:
            round === 0
              ? [
                  {
                    site: SITE,
                    messageId: 'c-0',
                    anonymousId,
                    timestamp: AT,
                    receivedAt: AT,
                    consent: {
                      policyVersion: '1',
                      categories: { necessary: true, analytics: true, marketing: false },
                      method: 'accept-all',
                    },
                  },
                ]
              : [],
          rejected: [quarantined({ type: 'track', anonymousId, email, round })],
          links: [
            {
              site: SITE,
              from: { kind: 'device', id: deviceId },
              to: anon(anonymousId),
              how: 'cookie',
              source: `c-${round}`,
              at: AT,
            },
            { site: SITE, from: anon(anonymousId), to: user(userId), how: 'login', source: `i-${round}`, at: AT },
          ],
          traits: [{ site: SITE, node: user(userId), traits: { email, name, round }, at: AT }],
          stitch: [{ site: SITE, anonymousId, ip: '203.0.113.0', userAgent: street, seenAt: 1_780_000_000 + round }],
        });
      }
      expect(await raw(), 'the test must see the values before the erasure').toContain(email);

      await storage().erase(SITE, await personOf(storage(), user(userId)), receipt('r-raw'));
      const after = await raw();
      for (const value of values) expect(after.includes(value), `${value} is still in the files`).toBe(false);

      await write(storage(), { events: [event('after-erasure', { anonymousId: 'next' })] });
      expect(
        (await storage().events({ site: SITE, userIds: [], anonymousIds: ['next'], limit: 1 })).events,
      ).toHaveLength(1);
      expect(
        (await storage().events({ site: SITE, userIds: [], anonymousIds: ['someone-else'], limit: 100 })).events,
      ).toHaveLength(20);
    }, 30_000);

    it('erases the browser context kept once for an erased person’s events, and keeps the one others’ events read', async () => {
      const raw = subject().leftovers?.bind(subject()) ?? (() => everyRow(subject()));
      const zq9 = browserContext('Zq9Agent/7.0');
      const other = event('o-1', { anonymousId: 'a-other' }, { context: browserContext('OtherAgent/1.0') });
      await write(storage(), {
        events: [
          event('z-1', { anonymousId: 'a-zq9' }, { context: zq9 }),
          event('z-2', { anonymousId: 'a-zq9', userId: 'u-zq9' }, { context: zq9 }),
          other,
        ],
        links: [{ site: SITE, from: anon('a-zq9'), to: user('u-zq9'), how: 'login', source: 'z-2', at: AT }],
      });
      expect(await raw(), 'the test must see the context before the erasure').toContain('Zq9Agent');

      await storage().erase(SITE, await personOf(storage(), user('u-zq9')), receipt('r-context'));
      expect((await raw()).includes('Zq9Agent'), 'the erased person’s context is still in the files').toBe(false);
      expect(
        (await storage().events({ site: SITE, userIds: [], anonymousIds: ['a-other'], limit: 10 })).events,
      ).toStrictEqual([other]);
    }, 30_000);

    it.each([
      ['the newer ID to the older', 'new', 'old'],
      ['the older ID to the newer', 'old', 'new'],
    ] as const)(
      'keeps the person seen first when a link joins two anonymous persons, linking %s',
      async (_name, from, to) => {
        const seen = { old: '2026-06-01T08:00:00.000Z', new: '2026-06-01T11:00:00.000Z' };
        for (const age of ['old', 'new'] as const) {
          await write(storage(), {
            links: [
              {
                site: SITE,
                from: { kind: 'device', id: `d-${age}` },
                to: anon(`a-${age}`),
                how: 'cookie',
                source: `s-${age}`,
                at: seen[age],
              },
            ],
          });
        }
        const older = await personOf(storage(), anon('a-old'));
        await write(storage(), {
          links: [
            {
              site: SITE,
              from: anon(`a-${from}`),
              to: anon(`a-${to}`),
              how: 'linker',
              source: 'join',
              at: '2026-06-01T12:00:00.000Z',
            },
          ],
        });
        const joined = await personOf(storage(), anon('a-new'));
        expect(joined.personId).toBe(older.personId);
        expect([...joined.anonymousIds].sort()).toEqual(['a-new', 'a-old']);
      },
    );
  });
}

async function everyRow(subject: StorageUnderTest): Promise<string> {
  const tables = await subject.query(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'",
  );
  const rows = await Promise.all(tables.map(({ name }) => subject.query(`select * from "${String(name)}"`)));
  return JSON.stringify(rows);
}
