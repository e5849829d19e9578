// A person as the admin API and the CLI show, export and erase it: resolved through the identity
// graph at read time, so a merge covers events stored before it without rewriting them.
import type {
  ConsentRecord,
  ErasureReceipt,
  IdSet,
  Person,
  PersonKey,
  Storage,
  StoredEvent,
} from './storage/storage.ts';
import { idsOf } from './storage/storage.ts';
import { announcedState, personEvents } from './audiences/reconcile.ts';
import { erasureExits } from './audiences/erasure.ts';
import { scoresBasis, type ScoresBasis } from './figures/beside-scores.ts';

const EXPORT_PAGE = 1000;

/** The person of an ID: its graph component, or the ID alone when the graph never saw it (server-side events). */
export async function resolvePerson(storage: Storage, site: string, key: PersonKey): Promise<Person> {
  return (await storage.person(site, key)) ?? unseenPerson(site, key);
}

/** The person of each ID, in the order given, resolved in one read (`resolvePerson` for many). */
export async function resolvePersons(storage: Storage, site: string, keys: PersonKey[]): Promise<Person[]> {
  const known = await storage.persons(site, keys);
  return keys.map((key) => known.get(`${key.kind}\n${key.id}`) ?? unseenPerson(site, key));
}

/** The person of an ID the graph never saw: the ID alone. */
export function unseenPerson(site: string, key: PersonKey): Person {
  const ids = idsOf(site, key);
  return {
    personId: `${key.kind}:${key.id}`,
    userIds: ids.userIds,
    anonymousIds: ids.anonymousIds,
    deviceIds: [],
    traits: {},
  };
}

export const personIds = (site: string, person: Person): IdSet => ({
  site,
  userIds: person.userIds,
  anonymousIds: person.anonymousIds,
});

export interface PersonView extends Person {
  site: string;
  /** Computed traits, audiences and journey stage, as announced to the forwarders (audiences/). */
  computedTraits: Record<string, unknown>;
  audiences: string[];
  stage: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  eventCount: number;
  consents: ConsentRecord[];
  /** With predicted scores among the traits: the fit they come from (figures/). */
  predictions?: ScoresBasis;
}

/** The person with what is known of their events and their consent history; null when nothing is held on the ID. */
export async function showPerson(storage: Storage, site: string, key: PersonKey): Promise<PersonView | null> {
  const person = await resolvePerson(storage, site, key);
  const ids = personIds(site, person);
  const [summary, consents, predictions] = await Promise.all([
    storage.eventSummary(ids),
    storage.consents(ids),
    scoresBasis(storage, site, person.traits),
  ]);
  const known =
    person.deviceIds.length > 0 ||
    person.userIds.length + person.anonymousIds.length > 1 ||
    summary.eventCount > 0 ||
    consents.length > 0 ||
    Object.keys(person.traits).length > 0 ||
    (await storage.rejectedOf(ids)).length > 0;
  if (!known) return null;
  const { traits: computedTraits, audiences, stage } = announcedState(await personEvents(storage, site, person));
  return {
    site,
    ...person,
    computedTraits,
    audiences,
    stage,
    ...summary,
    consents,
    ...(predictions ? { predictions } : {}),
  };
}

/** GDPR Art. 15: everything held on the person, with the banner texts their consents refer to and how their IDs were linked. */
export async function exportPerson(storage: Storage, site: string, key: PersonKey, exportedAt: Date) {
  const view = await showPerson(storage, site, key);
  if (!view) return null;
  const events: StoredEvent[] = [];
  let before: string | undefined;
  do {
    const page = await storage.events({ ...personIds(site, view), limit: EXPORT_PAGE, ...(before ? { before } : {}) });
    events.push(...page.events);
    before = page.next ?? undefined;
  } while (before);
  const hashes = view.consents.flatMap((record) =>
    record.consent.bannerTextHash ? [record.consent.bannerTextHash] : [],
  );
  const [bannerTexts, links, stitchCandidates, rejected] = await Promise.all([
    storage.bannerTexts(hashes),
    storage.edges(site, view.personId),
    storage.stitchCandidates(personIds(site, view)),
    storage.rejectedOf(personIds(site, view)),
  ]);
  const { consents, ...person } = view;
  return {
    exportedAt: exportedAt.toISOString(),
    person,
    events,
    consents,
    bannerTexts,
    links,
    stitchCandidates,
    rejected,
  };
}

/**
 * GDPR Art. 17: events, quarantined events, traits, IDs and graph erased; the consent log keeps its
 * records as proof of consent, under a pseudonym that only the receipt ties together. With
 * destinations to forward to, the person then leaves their audiences and stage: the exits go to
 * them and are deleted once delivered (Art. 17(2) and 19, see audiences/erasure.ts).
 */
export async function erasePerson(
  storage: Storage,
  site: string,
  key: PersonKey,
  erasedAt: Date,
  destinations: string[] = [],
): Promise<ErasureReceipt | null> {
  const view = await showPerson(storage, site, key);
  if (!view) return null;
  const exits = destinations.length > 0 ? erasureExits(site, await personEvents(storage, site, view), erasedAt) : [];
  const receiptId = crypto.randomUUID();
  const receipt = await storage.erase(site, view, {
    receiptId,
    site,
    erasedAt: erasedAt.toISOString(),
    pseudonym: `erased:${receiptId}`,
  });
  if (exits.length > 0) await storage.write({ events: exits, consents: [], rejected: [] });
  return receipt;
}
