// Who is in an audience, read from the change events stored on each person (the same record the
// forwarders send), so the list agrees with what the shop's tools were told.
import { unseenPerson } from '../persons.ts';
import type { Person, PersonKey, Storage } from '../storage/storage.ts';
import { announcedState, groupEvents } from './reconcile.ts';

export interface AudienceMember {
  personId: string;
  userIds: string[];
  anonymousIds: string[];
}

export interface MembersPage {
  key: string;
  site: string;
  /** Members in all, not only on this page. */
  count: number;
  members: AudienceMember[];
  /** Pass as `after` for the next page; null on the last. */
  next: string | null;
}

/** How many candidates are resolved and read together: one graph read and one events read for all. */
const GROUP = 500;

/**
 * The persons who were ever announced in one of the slots (`audience:<key>`, `stage`), found through the
 * members index (Storage.personKeys with a slot), with what their change events announce now,
 * ordered by personId. Each candidate is resolved through the graph, so a merge is seen. Candidates
 * are resolved and read 500 at a time: one by one, an audience of 5,000 took 0.8–1.5 s a page and the
 * counts of two audiences and the stages over 10,000 persons 5.2–7.1 s; in groups, 0.5–0.7 s and 1.0–1.6 s
 * (`bench/audience-members.ts`).
 */
export async function announcedStandings(storage: Storage, site: string, slots: string[]) {
  const byPerson = new Map<string, AudienceMember & ReturnType<typeof announcedState>>();
  const seen = new Set<string>();
  const keys: PersonKey[] = [];
  for (const slot of slots)
    for (const key of await storage.personKeys(site, slot)) {
      const id = `${key.kind}\n${key.id}`;
      if (!seen.has(id)) keys.push(key);
      seen.add(id);
    }
  for (let i = 0; i < keys.length; i += GROUP) {
    const chunk = keys.slice(i, i + GROUP);
    const known = await storage.persons(site, chunk);
    const persons = new Map<string, Person>();
    for (const key of chunk) {
      const person = known.get(`${key.kind}\n${key.id}`) ?? unseenPerson(site, key);
      if (!byPerson.has(person.personId)) persons.set(person.personId, person);
    }
    const events = await groupEvents(storage, site, [...persons.values()]);
    for (const person of persons.values())
      byPerson.set(person.personId, {
        personId: person.personId,
        userIds: person.userIds,
        anonymousIds: person.anonymousIds,
        ...announcedState(events.get(person.personId)!),
      });
  }
  return [...byPerson.values()].sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
}

type Standing = Awaited<ReturnType<typeof announcedStandings>>[number];

/** Whether a standing is in the audience, or in the stage with `stage:<key>`. */
const isMember = (key: string) => {
  const stage = key.startsWith('stage:') ? key.slice('stage:'.length) : null;
  return (s: Standing) => (stage !== null ? s.stage === stage : s.audiences.includes(key));
};

/** The members of an audience (or of a stage, with `stage:<key>`), ordered by personId. */
async function membersOf(storage: Storage, site: string, key: string) {
  const slot = key.startsWith('stage:') ? 'stage' : `audience:${key}`;
  return (await announcedStandings(storage, site, [slot])).filter(isMember(key));
}

/** One page of an audience's members (or of a stage's, with `stage:<key>`), after the personId `after`. */
export async function audienceMembers(
  storage: Storage,
  site: string,
  key: string,
  page: { limit: number; after?: string },
): Promise<MembersPage> {
  const all = await membersOf(storage, site, key);
  const rest = page.after === undefined ? all : all.filter((s) => s.personId > page.after!);
  const members = rest
    .slice(0, page.limit)
    .map(({ personId, userIds, anonymousIds }) => ({ personId, userIds, anonymousIds }));
  return { key, site, count: all.length, members, next: rest.length > page.limit ? members.at(-1)!.personId : null };
}

/** Each audience and stage of the site's definitions with how many persons are in it: every candidate read once. */
export async function audienceCounts(storage: Storage, site: string, keys: { audiences: string[]; stages: string[] }) {
  const standings = await announcedStandings(storage, site, [
    'stage',
    ...keys.audiences.map((key) => `audience:${key}`),
  ]);
  const count = (key: string) => standings.filter(isMember(key)).length;
  return {
    audiences: keys.audiences.map((key) => ({ key, count: count(key) })),
    stages: keys.stages.map((key) => ({ key, count: count(`stage:${key}`) })),
  };
}
