// Who is in an audience, read from the change events stored on each person (the same record the
// forwarders send), so the list agrees with what the shop's tools were told.
import { resolvePerson } from '../persons.ts';
import type { Storage } from '../storage/storage.ts';
import { announcedState, personEvents } from './reconcile.ts';

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

/**
 * The persons who were ever announced in the slot (`audience:<key>`, `stage`), found through the
 * members index (Storage.personKeys with a slot), with what their change events announce now,
 * ordered by personId. Each candidate is resolved through the graph, so a merge is seen.
 */
export async function announcedStandings(storage: Storage, site: string, slot: string) {
  const byPerson = new Map<string, AudienceMember & ReturnType<typeof announcedState>>();
  for (const key of await storage.personKeys(site, slot)) {
    const person = await resolvePerson(storage, site, key);
    if (byPerson.has(person.personId)) continue;
    const state = announcedState(await personEvents(storage, site, person));
    byPerson.set(person.personId, {
      personId: person.personId,
      userIds: person.userIds,
      anonymousIds: person.anonymousIds,
      ...state,
    });
  }
  return [...byPerson.values()].sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
}

/** The members of an audience (or of a stage, with `stage:<key>`), ordered by personId. */
async function membersOf(storage: Storage, site: string, key: string) {
  const stage = key.startsWith('stage:') ? key.slice('stage:'.length) : null;
  const standings = await announcedStandings(storage, site, stage !== null ? 'stage' : `audience:${key}`);
  return standings.filter((s) => (stage !== null ? s.stage === stage : s.audiences.includes(key)));
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

/** Each audience and stage of the site's definitions with how many persons are in it. */
export async function audienceCounts(storage: Storage, site: string, keys: { audiences: string[]; stages: string[] }) {
  const stages = await announcedStandings(storage, site, 'stage');
  const audiences = [];
  for (const key of keys.audiences) audiences.push({ key, count: (await membersOf(storage, site, key)).length });
  return {
    audiences,
    stages: keys.stages.map((key) => ({ key, count: stages.filter((s) => s.stage === key).length })),
  };
}
