// Who is in an audience, read from the change events stored on each person (the same record the
// forwarders send), so the list agrees with what the shop's tools were told.
import { resolvePersons } from '../persons.ts';
import type { Person, PersonKey, Storage, StoredEvent } from '../storage/storage.ts';
import { announcedState } from './reconcile.ts';

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

/** How many candidates are resolved together: one graph read for all. */
const GROUP = 500;

/**
 * The persons who were ever announced in one of the slots (`audience:<key>`, `stage`), with what their
 * change events in those slots announce now, ordered by personId. Only those change events are read,
 * through the members index (Storage.slotEvents); each ID they name is resolved through the graph,
 * 500 at a time, so a merge is seen and a person's changes under several IDs count once. Reading each
 * candidate's whole history instead took 0.5–0.7 s for a page of an audience of 5,000, and one by
 * one 0.8–1.5 s (`bench/audience-members.ts`, bench/RESULTS.md).
 */
export async function announcedStandings(storage: Storage, site: string, slots: string[]) {
  const byKey = new Map<string, { key: PersonKey; events: StoredEvent[] }>();
  for (const slot of slots)
    for (const event of await storage.slotEvents(site, slot)) {
      const key: PersonKey | null =
        event.userId !== undefined
          ? { kind: 'user', id: event.userId }
          : event.anonymousId !== undefined
            ? { kind: 'anonymous', id: event.anonymousId }
            : null;
      if (!key) continue;
      const id = `${key.kind}\n${key.id}`;
      (byKey.get(id) ?? byKey.set(id, { key, events: [] }).get(id)!).events.push(event);
    }
  const byPerson = new Map<string, { person: Person; events: StoredEvent[] }>();
  const candidates = [...byKey.values()];
  for (let i = 0; i < candidates.length; i += GROUP) {
    const chunk = candidates.slice(i, i + GROUP);
    const persons = await resolvePersons(
      storage,
      site,
      chunk.map(({ key }) => key),
    );
    for (const [at, { events }] of chunk.entries()) {
      const person = persons[at]!;
      const entry =
        byPerson.get(person.personId) ?? byPerson.set(person.personId, { person, events: [] }).get(person.personId)!;
      entry.events.push(...events);
    }
  }
  return [...byPerson.values()]
    .map(({ person, events }) => ({
      personId: person.personId,
      userIds: person.userIds,
      anonymousIds: person.anonymousIds,
      ...announcedState(events),
    }))
    .sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
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
