// `persons`: the persons of many nodes in one read (the audience engine resolves a group's touched
// nodes with it). Each answer must be what `person` answers for that node, node lists and traits alike.
import { describe, expect, it } from 'vitest';
import type { NodeRef, Storage, TraitsUpdate } from '../../src/storage/storage.ts';
import { anon, at, device, link, set, user } from './subject.ts';

const SITE = 'shop';
const keyOf = (node: NodeRef) => `${node.kind}\n${node.id}`;

const traits = (node: NodeRef, values: Record<string, unknown>, site = SITE): TraitsUpdate => ({
  site,
  node,
  traits: values,
  at: at(),
});

/**
 * A person merged from two devices and two anonymous IDs under one user, whose traits were updated on
 * the user, then on an anonymous ID, then on the user again (the user's last update wins); a person
 * whose IDs hold a NUL and a lone surrogate; two persons known only by their traits (one by an anonymous
 * ID that is spelt as the first person's user ID); and the same IDs on
 * another site, as another person.
 */
async function graph(storage: Storage) {
  await storage.write(
    set({
      links: [link(device('d1'), anon('a1'), 'cookie'), link(anon('a1'), user('u1')), link(anon('a2'), user('u1'))],
    }),
  );
  await storage.write(set({ traits: [traits(user('u1'), { plan: 'free', email: 'kim@example.com' })] }));
  await storage.write(set({ traits: [traits(anon('a1'), { plan: 'pro', nested: { a: 1 } })] }));
  await storage.write(set({ traits: [traits(user('u1'), { plan: 'team', seats: 3 })] }));
  await storage.write(set({ links: [link(anon('anon\u0000'), user('user-\ud800'))] }));
  await storage.write(set({ traits: [traits(anon('anon\u0000'), { name: 'Odd' })] }));
  await storage.write(set({ traits: [traits(anon('a3'), { plan: 'free' })] }));
  await storage.write(set({ traits: [traits(anon('u1'), { plan: 'guest' })] }));
  await storage.write(
    set({
      links: [link(anon('a2'), user('u2'), 'login', 'blog')],
      traits: [traits(user('u2'), { plan: 'x' }, 'blog')],
    }),
  );
}

export function describePersonsConformance(adapter: string, storage: () => Storage): void {
  describe(`${adapter} storage: persons of many nodes`, () => {
    it('answers for each node the graph knows the person `person` answers, and leaves unknown nodes out', async () => {
      await graph(storage());
      const known = [
        user('u1'),
        anon('a2'),
        device('d1'),
        anon('anon\u0000'),
        user('user-\ud800'),
        anon('a3'),
        anon('a1'),
        anon('u1'),
      ];
      const unknown = [user('nobody'), device('d-unknown'), user('u2'), anon('a2\u0000')];
      const asked = [
        unknown[0]!,
        ...known.slice(0, 3),
        unknown[1]!,
        ...known.slice(3),
        ...unknown.slice(2),
        user('u1'),
      ];

      const persons = await storage().persons(SITE, asked);

      expect([...persons.keys()].sort()).toEqual(known.map(keyOf).sort());
      for (const node of known) expect(persons.get(keyOf(node))).toStrictEqual(await storage().person(SITE, node));
      const merged = persons.get(keyOf(user('u1')));
      expect(merged).toMatchObject({ deviceIds: ['d1'], traits: { plan: 'team', email: 'kim@example.com', seats: 3 } });
      expect([...merged!.anonymousIds].sort()).toEqual(['a1', 'a2']);
      expect(persons.get(keyOf(anon('a3')))).toMatchObject({
        userIds: [],
        anonymousIds: ['a3'],
        traits: { plan: 'free' },
      });
      const personIds = new Set(known.map((node) => persons.get(keyOf(node))!.personId));
      expect(personIds.size).toBe(4);
    });

    it('answers the persons of another site apart, and an empty list with an empty map', async () => {
      await graph(storage());
      const blog = await storage().persons('blog', [anon('a2'), user('u1'), user('u2')]);
      expect([...blog.keys()].sort()).toEqual([keyOf(anon('a2')), keyOf(user('u2'))]);
      expect(blog.get(keyOf(anon('a2')))).toStrictEqual(await storage().person('blog', user('u2')));
      expect(blog.get(keyOf(anon('a2')))).toMatchObject({
        userIds: ['u2'],
        anonymousIds: ['a2'],
        traits: { plan: 'x' },
      });
      expect(await storage().persons(SITE, [])).toEqual(new Map());
    });

    it('resolves thousands of nodes in one call', async () => {
      await graph(storage());
      const many = Array.from({ length: 3000 }, (_, i) => anon(`unseen-${i}`));
      const persons = await storage().persons(SITE, [...many, anon('a1')]);
      expect([...persons.keys()]).toEqual([keyOf(anon('a1'))]);
      expect(persons.get(keyOf(anon('a1')))).toStrictEqual(await storage().person(SITE, user('u1')));
    });
  });
}
