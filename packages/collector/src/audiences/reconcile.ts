// One person, evaluated and brought up to date. What a person is in is kept as the events that
// announced it (Audience Entered / Exited, Journey Stage Changed, identify with computed traits),
// stored in the events table like any other: that table is the forwarders' outbox, so each change
// goes on at least once, and a (site, messageId) is stored once, so two collectors that reach the
// same change store it once.
import { sha256 } from '@noble/hashes/sha2.js';
import type { ConsentRecord, Person, Storage, StoredEvent } from '../storage/storage.ts';
import { evaluatePerson, type Definitions, type Evaluation, type FactEvent, type PersonFacts } from './evaluate.ts';

/** Marks the collector's own events in `context`; a client's event cannot carry it (pipeline/normalize.ts). */
export const COMPUTED_CONTEXT = 'kith';
export const AUDIENCE_ENTERED = 'Audience Entered';
export const AUDIENCE_EXITED = 'Audience Exited';
export const STAGE_CHANGED = 'Journey Stage Changed';
/** The slot of the identify that carries all the computed traits one evaluation changed. */
export const TRAITS_SLOT = 'traits';

export interface ComputedMark {
  computed: true;
  /** An exit sent because the person was erased (audiences/erasure.ts): deleted once every forwarder has it. */
  erasure?: true;
  /**
   * Which result the event changes: `audience:<key>`, `stage`, or `traits` for the identify that
   * carries every computed trait an evaluation changed (`trait:<key>`, one trait each, in stores
   * written before).
   */
  slot: string;
  /** The change's number in its slot: the same change reached twice gets the same messageId. */
  seq: number;
  /** In a `traits` change, each trait's number in its own slot (`trait:<key>`); `seq` is the highest. */
  seqs?: Record<string, number>;
  personId: string;
  userIds: string[];
  anonymousIds: string[];
}

/** What the stored change events say the person is in now. */
export interface AnnouncedState {
  traits: Record<string, unknown>;
  audiences: string[];
  stage: string | null;
  seqs: Map<string, number>;
}

export interface Reconciled {
  evaluation: Evaluation;
  /** The change events to store (none when the person already stands as evaluated). */
  changes: StoredEvent[];
}

const PAGE = 1000;
/** A group's events are read in larger pages: one query (and one sort) for the whole group, most times. */
const GROUP_PAGE = 10_000;

/** Every event of the person across all their IDs, oldest first. */
export async function personEvents(storage: Storage, site: string, person: Person): Promise<StoredEvent[]> {
  return (await readPaged(storage, site, [person], PAGE)).reverse();
}

/** The events of the persons' IDs, newest first, page by page. */
async function readPaged(storage: Storage, site: string, persons: Person[], page: number): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let before: string | undefined;
  do {
    const read = await storage.events({ ...idsOfGroup(site, persons), limit: page, ...(before ? { before } : {}) });
    events.push(...read.events);
    before = read.next ?? undefined;
  } while (before);
  return events;
}

const idsOfGroup = (site: string, persons: Person[]) => ({
  site,
  userIds: persons.flatMap((person) => person.userIds),
  anonymousIds: persons.flatMap((person) => person.anonymousIds),
});

/**
 * Shares a group's events, their entries or consents out to its persons by the ID each belongs to, as the storage
 * reads a person's: its user ID when it has one, else its anonymous ID. Null when one cannot be
 * placed (an ID the storage spells otherwise): the caller then reads person by person.
 */
export function shareOut<T extends { userId?: string | null | undefined; anonymousId?: string | null | undefined }>(
  persons: Person[],
  items: T[],
): Map<string, T[]> | null {
  const owners = new Map<string, string>();
  for (const person of persons) {
    for (const id of person.userIds) owners.set(`user\n${id}`, person.personId);
    for (const id of person.anonymousIds) owners.set(`anonymous\n${id}`, person.personId);
  }
  const byPerson = new Map(persons.map((person) => [person.personId, [] as T[]]));
  for (const item of items) {
    const owner =
      (item.userId ? owners.get(`user\n${item.userId}`) : undefined) ??
      (item.anonymousId ? owners.get(`anonymous\n${item.anonymousId}`) : undefined);
    if (owner === undefined) return null;
    byPerson.get(owner)!.push(item);
  }
  return byPerson;
}

/**
 * Every event of each person of the group, oldest first, by personId: one read for the group
 * rather than one per person.
 */
export async function groupEvents(
  storage: Storage,
  site: string,
  persons: Person[],
): Promise<Map<string, StoredEvent[]>> {
  const shared = persons.length > 1 ? shareOut(persons, await readPaged(storage, site, persons, GROUP_PAGE)) : null;
  if (shared) {
    for (const events of shared.values()) events.reverse();
    return shared;
  }
  const byPerson = new Map<string, StoredEvent[]>();
  for (const person of persons) byPerson.set(person.personId, await personEvents(storage, site, person));
  return byPerson;
}

/** Each person's consent records, oldest first, by personId: one read for the group. */
async function groupConsents(storage: Storage, site: string, persons: Person[]): Promise<Map<string, ConsentRecord[]>> {
  const shared = persons.length > 1 ? shareOut(persons, await storage.consents(idsOfGroup(site, persons))) : null;
  if (shared) return shared;
  const byPerson = new Map<string, ConsentRecord[]>();
  for (const person of persons) byPerson.set(person.personId, await storage.consents(idsOfGroup(site, [person])));
  return byPerson;
}

export const markOf = (event: StoredEvent): ComputedMark | null => {
  const mark = event.context?.[COMPUTED_CONTEXT] as ComputedMark | undefined;
  return mark && typeof mark === 'object' && mark.computed === true ? mark : null;
};

/** The facts the evaluator reads: the person's own track events (not the collector's), traits and last consent. */
export function personFacts(person: Person, events: StoredEvent[], consents: ConsentRecord[]): PersonFacts {
  const facts: FactEvent[] = [];
  let hasEvents = false;
  for (const event of events) {
    if (markOf(event)) continue;
    hasEvents = true;
    if (event.type !== 'track' || typeof event.event !== 'string') continue;
    facts.push({
      name: event.event,
      at: Date.parse(event.timestamp),
      properties: event.properties ?? {},
      context: event.context ?? {},
    });
  }
  const last = consents.at(-1);
  return {
    events: facts,
    // `user_id` lets a definition (the default "identified" stage) ask whether the person has logged in.
    traits: { user_id: person.userIds[0] ?? null, ...person.traits },
    consent: last ? { ...last.consent.categories } : null,
    hasEvents,
  };
}

/** The change event that stands in each slot: the highest seq wins. */
export function latestChanges(
  events: StoredEvent[],
): Map<string, { seq: number; messageId: string; event: StoredEvent }> {
  const latest = new Map<string, { seq: number; messageId: string; event: StoredEvent }>();
  for (const event of events) {
    const mark = markOf(event);
    if (!mark) continue;
    const held = latest.get(mark.slot);
    // Equal seqs (two collectors that decided differently at once): the larger messageId wins, the same everywhere.
    if (!held || mark.seq > held.seq || (mark.seq === held.seq && event.messageId > held.messageId))
      latest.set(mark.slot, { seq: mark.seq, messageId: event.messageId, event });
  }
  return latest;
}

/**
 * The trait changes an event announces, as `trait:<key>` slots with their seq: each trait of a
 * `traits` identify, or the one trait of a `trait:<key>` identify (stores written before).
 */
function traitSlots(mark: ComputedMark): [string, number][] {
  if (mark.slot !== TRAITS_SLOT) return [[mark.slot, mark.seq]];
  return Object.entries(mark.seqs ?? {}).map(([key, seq]) => [`trait:${key}`, seq]);
}

/** The person's standing as their stored change events announced it, the highest seq of each slot winning. */
export function announcedState(events: StoredEvent[]): AnnouncedState {
  const state: AnnouncedState = { traits: {}, audiences: [], stage: null, seqs: new Map() };
  // A trait's slot is held by the latest identify that carries it, whichever way it was written.
  const traits = new Map<string, { seq: number; messageId: string; value: unknown }>();
  for (const event of events) {
    const mark = markOf(event);
    if (!mark || (mark.slot !== TRAITS_SLOT && !mark.slot.startsWith('trait:'))) continue;
    for (const [slot, seq] of traitSlots(mark)) {
      const held = traits.get(slot);
      if (!held || seq > held.seq || (seq === held.seq && event.messageId > held.messageId))
        traits.set(slot, { seq, messageId: event.messageId, value: event.traits?.[slot.slice('trait:'.length)] });
    }
  }
  for (const [slot, { seq, value }] of traits) {
    state.seqs.set(slot, seq);
    state.traits[slot.slice('trait:'.length)] = value ?? null;
  }
  for (const [slot, { seq, event }] of latestChanges(events)) {
    if (slot.startsWith('audience:')) {
      state.seqs.set(slot, seq);
      if (event.event === AUDIENCE_ENTERED) state.audiences.push(slot.slice('audience:'.length));
    } else if (slot === 'stage') {
      state.seqs.set(slot, seq);
      state.stage = (event.properties?.stage_key as string | null | undefined) ?? null;
    }
  }
  state.audiences.sort();
  return state;
}

/**
 * Evaluates the persons now and returns, for each, the change events that bring their announced
 * standing to it. Their events (unless the caller holds them, audiences/history.ts) and consents are read together; the caller stores the changes, so
 * that the changes of many persons share one write (one commit).
 */
export async function reconcilePersons(
  storage: Storage,
  definitions: Definitions,
  site: string,
  persons: Person[],
  now: Date,
  held?: Map<string, StoredEvent[]>,
): Promise<Map<string, Reconciled>> {
  const [events, consents] = await Promise.all([
    held ?? groupEvents(storage, site, persons),
    groupConsents(storage, site, persons),
  ]);
  const reconciled = new Map<string, Reconciled>();
  for (const person of persons) {
    const own = events.get(person.personId)!;
    const evaluation = evaluatePerson(
      definitions,
      personFacts(person, own, consents.get(person.personId)!),
      now.getTime(),
    );
    // An erased person's IDs live on only in their exits until the forwarders have them: nothing new is said of them.
    const erased = own.some((event) => markOf(event)?.erasure);
    const changes = erased ? [] : changeEvents(site, person, announcedState(own), evaluation, now);
    reconciled.set(person.personId, { evaluation, changes });
  }
  return reconciled;
}

/** The events announcing the difference between what was announced and what now holds. */
export function changeEvents(
  site: string,
  person: Person,
  announced: AnnouncedState,
  evaluation: Evaluation,
  now: Date,
): StoredEvent[] {
  const at = now.toISOString();
  const changes: StoredEvent[] = [];
  const idOf = changeIds(site, person.personId);
  const make = (
    slot: string,
    value: unknown,
    shape: Pick<StoredEvent, 'type' | 'event' | 'properties' | 'traits'>,
    numbered: { seq: number; seqs?: Record<string, number> } = { seq: (announced.seqs.get(slot) ?? 0) + 1 },
  ) => {
    const { seq, seqs } = numbered;
    const mark: ComputedMark = {
      computed: true,
      slot,
      seq,
      ...(seqs ? { seqs } : {}),
      personId: person.personId,
      userIds: person.userIds,
      anonymousIds: person.anonymousIds,
    };
    const event: StoredEvent = {
      ...shape,
      site,
      messageId: idOf(slot, value, seq),
      timestamp: at,
      receivedAt: at,
      context: { [COMPUTED_CONTEXT]: mark },
    };
    if (person.userIds[0] !== undefined) event.userId = person.userIds[0];
    if (person.anonymousIds[0] !== undefined) event.anonymousId = person.anonymousIds[0];
    changes.push(event);
  };

  // Every changed trait in one identify (receivers merge traits, so they end where one identify
  // per trait left them); each trait keeps its own seq, so a value that comes back is a new change.
  const changed = Object.keys(evaluation.traits)
    .filter((key) => JSON.stringify(evaluation.traits[key]) !== JSON.stringify(announced.traits[key] ?? null))
    .sort();
  if (changed.length > 0) {
    const seqs = Object.fromEntries(changed.map((key) => [key, (announced.seqs.get(`trait:${key}`) ?? 0) + 1]));
    const traits = Object.fromEntries(changed.map((key) => [key, evaluation.traits[key]]));
    // Named by its sorted (key, value, seq) triples: the same change reached twice gets one messageId.
    const named = changed.map((key) => [key, traits[key], seqs[key]]);
    make(TRAITS_SLOT, named, { type: 'identify', traits }, { seq: Math.max(...Object.values(seqs)), seqs });
  }
  if (evaluation.stage !== announced.stage) {
    make('stage', evaluation.stage, {
      type: 'track',
      event: STAGE_CHANGED,
      properties: { stage_key: evaluation.stage, previous_stage_key: announced.stage },
    });
  }
  const now_ = new Set(evaluation.audiences);
  const before = new Set(announced.audiences);
  for (const key of evaluation.audiences) {
    if (!before.has(key))
      make(`audience:${key}`, true, {
        type: 'track',
        event: AUDIENCE_ENTERED,
        properties: { audience_key: key },
      });
  }
  for (const key of announced.audiences) {
    if (!now_.has(key))
      make(`audience:${key}`, false, {
        type: 'track',
        event: AUDIENCE_EXITED,
        properties: { audience_key: key },
      });
  }
  return changes;
}

/**
 * A stable messageId: the site, the person, the slot, the new value and the change's number in its slot.
 * Its first 8 hex digits name only the site and person (see changeIds), so a person's changes sit side by side in the
 * (site, messageId) key: the changes of one evaluation then dirty one of its pages, not one each,
 * and most of what audiences added to ingest was writing those pages (bench/RESULTS.md).
 */
export function changeId(site: string, personId: string, slot: string, value: unknown, seq: number): string {
  return changeIds(site, personId)(slot, value, seq);
}

/** `changeId` for one person's changes, the person's part hashed once. */
export function changeIds(site: string, personId: string): (slot: string, value: unknown, seq: number) => string {
  const person = fnv1a(JSON.stringify([site, personId]));
  return (slot, value, seq) => `kith-${person}${sha256Hex(JSON.stringify([site, personId, slot, value, seq]))}`;
}

/**
 * The person's part only places a person's changes side by side; the change's own 96 bits of SHA-256,
 * which include the person, keep IDs apart. So a cheap hash serves: FNV-1a, 32 bits, as 8 hex digits.
 */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** What of node:crypto a change's ID needs: on Node only (Workers have no node:crypto without nodejs_compat). */
interface NodeHash {
  hash(algorithm: 'sha256', data: string, encoding: 'hex'): string;
}
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => Partial<NodeHash> | undefined } }
).process?.getBuiltinModule?.('node:crypto');

/**
 * The first 12 bytes (96 bits) of the SHA-256 of the text's UTF-8, as 24 hex digits: computed in place,
 * as WebCrypto's digest is a job handed to another thread and back, which cost more CPU than the hash
 * itself. Node's one-shot `crypto.hash` took 0.3 µs a change ID against noble's 4.7 µs (about four
 * changes an evaluation); where it is missing (Workers) noble makes the same digits.
 */
export const sha256Hex: (text: string) => string =
  typeof nodeCrypto?.hash === 'function'
    ? (text) => (nodeCrypto as NodeHash).hash('sha256', text, 'hex').slice(0, 24)
    : nobleSha256Hex;

/** `sha256Hex` with noble, for runtimes without node:crypto. */
export function nobleSha256Hex(text: string): string {
  return hex(sha256(utf8.encode(text)), 12);
}

const utf8 = new TextEncoder();
/** Each byte's two hex digits: formatting a hash digit by digit cost as much as hashing it (profiled). */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const hex = (bytes: Uint8Array, length: number) => {
  let text = '';
  for (let i = 0; i < length; i++) text += HEX[bytes[i]!];
  return text;
};
