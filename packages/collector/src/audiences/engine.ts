// Keeps audiences up to date: persons touched by a stored batch are evaluated off the request path,
// coalesced (a person touched ten times while waiting is evaluated once); persons with a window
// about to run out are evaluated when it does; a rebuild evaluates every person of a site.
import type { KithConfig } from '../config.ts';
import { resolvePersons, unseenPerson } from '../persons.ts';
import type { NodeRef, Person, Storage, StoredEvent, WriteResult, WriteSet } from '../storage/storage.ts';
import { compileDefinitions } from './definitions.ts';
import type { Definitions } from './evaluate.ts';
import { createHistory, readsOf } from './history.ts';
import { reconcilePersons } from './reconcile.ts';

export interface AudienceEngine {
  /** Queues the persons a stored set touched; returns at once. `stored` is what the write answered. */
  touched(set: WriteSet, stored?: WriteResult): void;
  /** Queues the person of these nodes (a merge, a consent change made elsewhere). */
  touch(site: string, nodes: NodeRef[]): void;
  /** Resolves once every queued person has been evaluated. */
  settled(): Promise<void>;
  /** Evaluates the persons whose next change time has come (by the app's clock). */
  runDue(): Promise<void>;
  /** Evaluates every person of the site from stored events; returns how many persons and changes. */
  rebuild(site: string): Promise<{ persons: number; changes: number }>;
  /** The site's compiled definitions, or undefined when it has none. */
  definitions(site: string): Definitions | undefined;
  /** Lets go of what is held of an erased person's events (audiences/history.ts). */
  forget(site: string, personId: string): void;
}

export interface AudienceEngineOptions {
  storage: Storage;
  config: KithConfig;
  clock?: () => Date;
  /** How many events the engine holds between evaluations (audiences/history.ts), at most. */
  heldEvents?: number;
  /** Where a failed evaluation is reported; the person is tried again on their next event. */
  log?: (message: string, error: unknown) => void;
}

const nodeKey = (site: string, node: NodeRef) => `${site}\n${node.kind}\n${node.id}`;
/** The node by which a person is looked up again when a window of theirs runs out. */
const nodeOf = (person: Person): NodeRef =>
  person.userIds[0] !== undefined
    ? { kind: 'user', id: person.userIds[0] }
    : { kind: 'anonymous', id: person.anonymousIds[0]! };
/** How many persons are evaluated together (one read), and their changes share one write. */
const GROUP = 500;
/** How many change events a rebuild gathers, over groups, before it writes them. */
const REBUILD_WRITE = 20_000;

/** A group's evaluation: its change events and each person's next change time (null: none). */
interface Outcome {
  changes: StoredEvent[];
  schedule: [string, { site: string; node: NodeRef; at: number } | null][];
}
/**
 * How long the first touch waits for others before the evaluation starts: the persons of the
 * requests that arrive meanwhile are evaluated together and their changes share one commit (a
 * commit of its own per request doubled ingest's cost), and a person touched again is evaluated
 * once. Each commit also rewrites the last pages of the indexes its changes append to: 200 ms
 * rather than 50 ms took a tenth off ingest's CPU with 20 definitions (bench/RESULTS.md), and stays
 * well inside the second in which a qualifying event must change the membership.
 */
export const COALESCE_MS = 200;
const isEmpty = (d: Definitions) => d.traits.length + d.audiences.length + d.stages.length === 0;

export function createAudienceEngine(options: AudienceEngineOptions): AudienceEngine {
  const { storage } = options;
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((message, error) => console.error(`kith: ${message}`, error));
  const compiled = new Map([...compileDefinitions(options.config.sites)].filter(([, d]) => !isEmpty(d)));
  // The incremental path holds each person's events between evaluations; the rebuild reads every
  // person once, so it reads them in full instead.
  const history = createHistory(
    storage,
    new Map([...compiled].map(([site, d]) => [site, readsOf(d)])),
    options.heldEvents,
  );
  const pending = new Map<string, { site: string; node: NodeRef }>();
  /** Next change time per person, by `site\npersonId`. */
  const due = new Map<string, { site: string; node: NodeRef; at: number }>();
  let draining: Promise<void> | null = null;
  /** Ends the coalescing wait of the group about to be evaluated. */
  let hurry = () => {};

  /** Evaluates the persons (one read for all of them); their changes and next change times, to be stored by `store`. */
  const evaluateGroup = async (site: string, persons: Person[], held: boolean): Promise<Outcome> => {
    const outcome: Outcome = { changes: [], schedule: [] };
    if (persons.length === 0) return outcome;
    const now = clock();
    const events = held ? await history.read(site, persons, now.getTime()) : null;
    const reconciled = await reconcilePersons(storage, compiled.get(site)!, site, persons, now, events ?? undefined);
    for (const person of persons) {
      const { evaluation, changes } = reconciled.get(person.personId)!;
      outcome.changes.push(...changes);
      const next = evaluation.nextChangeAt;
      outcome.schedule.push([
        `${site}\n${person.personId}`,
        next === null ? null : { site, node: nodeOf(person), at: next },
      ]);
    }
    return outcome;
  };

  /**
   * Stores the changes in one write (one commit), then keeps the next change times they rest on. The
   * changes are held for their persons' next evaluation, unless a rebuild wrote them (it reads in full).
   */
  const store = async ({ changes, schedule }: Outcome, hold = true) => {
    if (changes.length > 0) {
      const stored = await storage.write({ events: changes, consents: [], rejected: [] });
      if (hold) history.adopt(changes, stored.seqs);
    }
    for (const [key, entry] of schedule) {
      if (entry) due.set(key, entry);
      else due.delete(key);
    }
    return changes.length;
  };

  /**
   * Evaluates the persons and stores all their changes in one write: one read and one commit for
   * many persons instead of one each, which was most of an evaluation's cost. A failure is reported
   * and the persons are tried again on their next event (or the next rebuild).
   */
  const reconcileAll = async (site: string, persons: Person[]) => store(await evaluateGroup(site, persons, true));

  /**
   * The persons of a site's nodes, once each, in one read (one lookup per node cost about as much as
   * evaluating them, bench/RESULTS.md). A user or anonymous ID the graph never saw is a person of its
   * own (persons.ts); a device the graph never saw has none.
   */
  const personsOf = async (site: string, nodes: NodeRef[]): Promise<Person[]> => {
    const known = await storage.persons(site, nodes);
    const persons = new Map<string, Person>();
    for (const node of nodes) {
      const person =
        known.get(`${node.kind}\n${node.id}`) ??
        (node.kind === 'device' ? undefined : unseenPerson(site, { kind: node.kind, id: node.id }));
      if (person) persons.set(person.personId, person);
    }
    return [...persons.values()];
  };

  const drain = async () => {
    while (pending.size > 0) {
      // Each group waits for the touches that follow, as the first did (see COALESCE_MS), unless
      // someone waits for the evaluation to settle.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, COALESCE_MS);
        hurry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      hurry = () => {};
      // Every person touched while the last group was evaluated, once each, per site.
      const nodes = new Map<string, NodeRef[]>();
      for (const { site, node } of pending.values()) (nodes.get(site) ?? nodes.set(site, []).get(site)!).push(node);
      pending.clear();
      for (const [site, ofSite] of nodes) {
        let list: Person[];
        try {
          list = await personsOf(site, ofSite);
        } catch (error) {
          log(`evaluating the audiences of ${ofSite.length} IDs on site ${site} failed`, error);
          continue;
        }
        for (let i = 0; i < list.length; i += GROUP) {
          const group = list.slice(i, i + GROUP);
          await reconcileAll(site, group).catch((error: unknown) =>
            log(`evaluating the audiences of ${group.length} persons on site ${site} failed`, error),
          );
        }
      }
    }
  };

  const touch = (site: string, nodes: NodeRef[]) => {
    if (!compiled.has(site)) return;
    for (const node of nodes) pending.set(nodeKey(site, node), { site, node });
    draining ??= drain().finally(() => (draining = null));
  };

  const settled = async () => {
    while (draining) {
      hurry();
      await draining;
    }
  };

  return {
    touched(set, stored) {
      if (stored) history.adopt(set.events, stored.seqs);
      const nodes = new Map<string, NodeRef[]>();
      const add = (site: string, node: NodeRef) => (nodes.get(site) ?? nodes.set(site, []).get(site)!).push(node);
      for (const item of [...set.events, ...set.consents]) {
        if (item.userId !== undefined) add(item.site, { kind: 'user', id: item.userId });
        else if (item.anonymousId !== undefined) add(item.site, { kind: 'anonymous', id: item.anonymousId });
      }
      // A merge joins two persons: the merged person is evaluated from both sides' events.
      for (const link of set.links ?? []) add(link.site, link.to);
      // Traits written apart from events (the predictions' scores) change what definitions read.
      for (const update of set.traits ?? []) add(update.site, update.node);
      for (const [site, list] of nodes) touch(site, list);
    },
    touch,
    settled,
    async runDue() {
      const now = clock().getTime();
      history.sweep(now);
      for (const [key, entry] of due) {
        if (entry.at > now) continue;
        due.delete(key);
        touch(entry.site, [entry.node]);
      }
      await settled();
    },
    async rebuild(site) {
      if (!compiled.has(site)) return { persons: 0, changes: 0 };
      // Each ID found once: a person met through one of their IDs is not resolved again through the others.
      const covered = new Set<string>();
      let persons = 0;
      let changes = 0;
      let group: Person[] = [];
      let unwritten: Outcome = { changes: [], schedule: [] };
      // Many groups' changes share a write, in messageId order: the (site, messageId) key's pages are
      // then visited once each, in order, rather than at random; at a million events most of the
      // rebuild's time went to those random pages and the commits (bench/RESULTS.md).
      const write = async () => {
        unwritten.changes.sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
        changes += await store(unwritten, false);
        unwritten = { changes: [], schedule: [] };
      };
      const flush = async () => {
        const outcome = await evaluateGroup(site, group, false);
        group = [];
        unwritten.changes.push(...outcome.changes);
        unwritten.schedule.push(...outcome.schedule);
        if (unwritten.changes.length >= REBUILD_WRITE) await write();
      };
      const keys = await storage.personKeys(site);
      for (let i = 0; i < keys.length; i += GROUP) {
        // The keys not yet covered, resolved in one read; then taken in order, as one by one.
        const chunk = keys.slice(i, i + GROUP).filter((key) => !covered.has(`${key.kind}\n${key.id}`));
        const resolved = await resolvePersons(storage, site, chunk);
        for (const [at, key] of chunk.entries()) {
          if (covered.has(`${key.kind}\n${key.id}`)) continue;
          const person = resolved[at]!;
          for (const id of person.userIds) covered.add(`user\n${id}`);
          for (const id of person.anonymousIds) covered.add(`anonymous\n${id}`);
          covered.add(`${key.kind}\n${key.id}`);
          persons++;
          group.push(person);
          if (group.length >= GROUP) await flush();
        }
      }
      await flush();
      await write();
      return { persons, changes };
    },
    definitions: (site) => compiled.get(site),
    forget: (site, personId) => history.forget(site, personId),
  };
}
