// Each evaluated person's events, held between evaluations: a returning visitor's history was read
// and parsed again on every visit, the largest part of what audiences added to ingest
// (bench/RESULTS.md). The store stays the truth: every read lists the persons' events by seq, without
// their content, and reads only the events not held. So what another collector stored, and what an
// erasure, retention or a merge changed, is seen exactly as a full read sees it; the held events only
// save reading the same rows again.
import type { Person, Storage, StoredEvent } from '../storage/storage.ts';
import { eventQueries, type Definitions } from './evaluate.ts';
import type { FieldRef, Filter } from './parse.ts';
import { COMPUTED_CONTEXT, shareOut, type ComputedMark } from './reconcile.ts';

/** How many events are held in all by default (about 30 MB), the persons used longest ago let go first. */
export const HELD_EVENTS = 100_000;
/** How many just-stored events wait for their person's next read; past it they are read back instead. */
const MAX_ADOPTED = 50_000;
/**
 * How long a person's events are held without an evaluation. An erasure made by another process
 * (`kith person erase`) is seen by the next read; this bounds how long memory keeps what it deleted
 * when the person is never evaluated again.
 */
export const HELD_MS = 10 * 60_000;

/** What of a site's events the definitions read: the events they name, and whether any reads `context(...)`. */
export interface Reads {
  names: Set<string>;
  context: boolean;
}

/** A person's events in seq order, as they were listed at their last read, with their seqs. */
interface Held {
  seqs: number[];
  events: StoredEvent[];
  usedAt: number;
}

/** A person's listed entries (by seq, in seq order) with what is held of them (`listed` in createHistory). */
interface Listed {
  key: string;
  seqs: number[];
  /** Each seq's event, undefined while unread. */
  events: (StoredEvent | undefined)[];
  /** Where the seqs neither held nor adopted are: they are read. */
  unread: number[];
}

export interface History {
  /**
   * Each person's events, oldest first (by timestamp, then seq, as the store orders them), by personId;
   * only what the definitions read of each. Null when the entries cannot be shared out to the persons
   * (an ID the store spells otherwise): the caller reads in full. The lists may be the ones held:
   * the caller reads them and never changes them.
   */
  read(site: string, persons: Person[], now: number): Promise<Map<string, StoredEvent[]> | null>;
  /**
   * Events just stored, with the seq each was stored at (null: a resent duplicate, whose stored twin
   * may differ): held for their person's next read instead of read back. Only what this process wrote
   * can be taken this way; anything else is read. Events of a site without definitions are not held.
   */
  adopt(events: StoredEvent[], seqs: (number | null)[]): void;
  /** Lets go of a person's events (erased). */
  forget(site: string, personId: string): void;
  /** Lets go of every person not evaluated for HELD_MS. */
  sweep(now: number): void;
}

export function createHistory(storage: Storage, reads: Map<string, Reads>, maxEvents = HELD_EVENTS): History {
  /** By `site\npersonId`, least recently used first. */
  const held = new Map<string, Held>();
  let count = 0;
  /** Just-stored events by seq, cut down, until their person's next read. */
  const adopted = new Map<number, StoredEvent>();

  const letGo = (key: string) => {
    const entry = held.get(key);
    if (!entry) return;
    count -= entry.events.length;
    held.delete(key);
  };

  const sweep = (now: number) => {
    for (const [key, entry] of held) {
      if (count <= maxEvents && entry.usedAt > now - HELD_MS) break;
      letGo(key);
    }
  };

  /**
   * The person's listed entries matched with what is held of them: their events held since their last
   * read, else just adopted; `unread` says where an event must still be read. Both the listing and the
   * held events are in seq order, so they are matched in step, with no lookup: holding a Map of each
   * person's events instead cost the read 3.7 µs more a request (13.6 against 9.9, measured).
   */
  const listed = (site: string, person: Person, entries: { seq: number }[]): Listed => {
    const key = `${site}\n${person.personId}`;
    const before = held.get(key) ?? { seqs: [], events: [] };
    const seqs = new Array<number>(entries.length);
    const events = new Array<StoredEvent | undefined>(entries.length);
    const unread: number[] = [];
    let next = 0;
    for (let at = 0; at < entries.length; at++) {
      const seq = entries[at]!.seq;
      seqs[at] = seq;
      while (next < before.seqs.length && before.seqs[next]! < seq) next++;
      let event = before.seqs[next] === seq ? before.events[next] : undefined;
      if (event === undefined) {
        event = adopted.get(seq);
        if (event !== undefined) adopted.delete(seq);
        if (event?.site !== site) {
          event = undefined;
          unread.push(at);
        }
      }
      events[at] = event;
    }
    return { key, seqs, events, unread };
  };

  /**
   * Holds the person's listed events as their events from now on and returns them in store order. A
   * seq listed but gone by the time it was read was deleted meanwhile (erasure, retention).
   */
  const hold = ({ key, seqs, events }: Listed, now: number): StoredEvent[] => {
    const gone = events.some((event) => event === undefined);
    const kept: Held = gone
      ? {
          seqs: seqs.filter((_, at) => events[at] !== undefined),
          events: events.filter((e) => e !== undefined),
          usedAt: now,
        }
      : { seqs, events: events as StoredEvent[], usedAt: now };
    letGo(key);
    held.set(key, kept);
    count += kept.events.length;
    return inStoreOrder(kept.events);
  };

  return {
    async read(site, persons, now) {
      const entries = await storage.eventEntries({
        site,
        userIds: persons.flatMap((person) => person.userIds),
        anonymousIds: persons.flatMap((person) => person.anonymousIds),
      });
      const shared = shareOut(persons, entries);
      if (!shared) return null;
      const reading = reads.get(site) ?? { names: new Set<string>(), context: true };
      // Each person's events in seq order, a gap (undefined) where one must still be read; `gaps` says whose.
      const lists = persons.map((person) => listed(site, person, shared.get(person.personId)!));
      const gaps = new Map<number, { events: (StoredEvent | undefined)[]; at: number }>();
      for (const list of lists) for (const at of list.unread) gaps.set(list.seqs[at]!, { events: list.events, at });
      const found = gaps.size > 0 ? await storage.eventsBySeq(site, [...gaps.keys()]) : [];
      for (const { seq, event } of found) {
        const gap = gaps.get(seq)!;
        gap.events[gap.at] = slim(event, reading);
      }

      const result = new Map<string, StoredEvent[]>();
      persons.forEach((person, i) => result.set(person.personId, hold(lists[i]!, now)));
      sweep(now);
      return result;
    },
    adopt(events, seqs) {
      events.forEach((event, i) => {
        const seq = seqs[i];
        // Cut down at once: a request's events are not kept whole until their person is evaluated.
        const reading = reads.get(event.site);
        if (seq !== null && seq !== undefined && reading) adopted.set(seq, slim(event, reading));
      });
      // Past the cap all are let go at once, not the oldest one by one: walking a Map from its front
      // steps over every hole its deleted entries left (V8 keeps them until it rehashes), and the loop
      // that did so at each adoption cost more than the adoption (5 events: 9 µs -> 3-4 µs at the cap,
      // 17 -> 13 µs below it, where the walk was started anyway). They are read back from the store.
      if (adopted.size > MAX_ADOPTED) adopted.clear();
    },
    forget: (site, personId) => letGo(`${site}\n${personId}`),
    sweep,
  };
}

/**
 * Oldest first, as the store reads a person's events: by timestamp (ISO text, compared as the store
 * compares it), then seq. The events come in seq order and the sort is stable, so ties keep it.
 */
function inStoreOrder(events: StoredEvent[]): StoredEvent[] {
  // Mostly in order already (events are stored as they happen): checked first, for less than the
  // sort's comparisons. Sorted as a copy: the held events stay in seq order.
  for (let i = 1; i < events.length; i++) {
    if (events[i - 1]!.timestamp > events[i]!.timestamp)
      return [...events].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  }
  return events;
}

/**
 * An event cut down to what evaluating it reads, so that holding many persons' events costs little
 * (about 320 B each rather than 1.2 KB, measured): a client's event keeps its type, name and time,
 * and its properties (and context) only when a definition names the event; the collector's change
 * events also keep their messageId, properties, traits and the slot and seq of their mark, which
 * say what the person was announced to be (reconcile.ts). Fields nothing reads are left empty.
 */
function slim(event: StoredEvent, reads: Reads): StoredEvent {
  // Fields assigned one by one, not spread: this runs for every event a request stores.
  const mark = event.context?.[COMPUTED_CONTEXT] as ComputedMark | undefined;
  const named =
    mark !== undefined || (event.type === 'track' && typeof event.event === 'string' && reads.names.has(event.event));
  const cut: StoredEvent = {
    site: event.site,
    messageId: mark !== undefined ? event.messageId : '',
    type: event.type,
    timestamp: event.timestamp,
    receivedAt: '',
  };
  if (event.event !== undefined) cut.event = event.event;
  if (named && event.properties !== undefined) cut.properties = event.properties;
  if (mark !== undefined) {
    if (event.traits !== undefined) cut.traits = event.traits;
    const { computed, slot, seq, seqs, erasure } = mark;
    const kept = { computed, slot, seq, ...(seqs ? { seqs } : {}), ...(erasure ? { erasure } : {}) };
    cut.context = { [COMPUTED_CONTEXT]: kept };
  } else if (named && reads.context && event.context !== undefined) cut.context = event.context;
  return cut;
}

/** What the site's definitions read of events. */
export function readsOf(definitions: Definitions): Reads {
  const reads: Reads = { names: new Set(), context: false };
  const field = (ref: FieldRef | null) => {
    if (ref?.source === 'context') reads.context = true;
  };
  const filter = (f: Filter): void => {
    if (f.kind === 'compare') field(f.field);
    else if (f.kind === 'not') filter(f.operand);
    else [f.left, f.right].forEach(filter);
  };
  for (const query of eventQueries(definitions)) {
    reads.names.add(query.name);
    query.filters.forEach(filter);
    field(query.reducer.field);
  }
  return reads;
}
