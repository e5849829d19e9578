// Rows as every SQL adapter reads them back, mapped one way for all.
import { encodeCursor } from './cursor.ts';
import { eventFromRow, type EventColumnsRow } from './event-row.ts';
import type {
  ConsentRecord,
  EdgeRecord,
  ErasureReceipt,
  EventEntry,
  EventPage,
  NodeRef,
  Person,
  RejectedEvent,
} from './storage.ts';

export interface ConsentRow {
  site: string;
  message_id: string;
  anonymous_id: string | null;
  user_id: string | null;
  timestamp: string;
  received_at: string;
  policy_version: string;
  /** JSON text (SQLite, D1) or already parsed (PostgreSQL's json). */
  categories: string | ConsentRecord['consent']['categories'];
  method: ConsentRecord['consent']['method'];
  banner_text_hash: string | null;
  locale: string | null;
}

export function consentFromRow(row: ConsentRow): ConsentRecord {
  const categories = typeof row.categories === 'string' ? JSON.parse(row.categories) : row.categories;
  const record: ConsentRecord = {
    site: row.site,
    messageId: row.message_id,
    timestamp: row.timestamp,
    receivedAt: row.received_at,
    consent: { policyVersion: row.policy_version, categories, method: row.method },
  };
  if (row.anonymous_id) record.anonymousId = row.anonymous_id;
  if (row.user_id) record.userId = row.user_id;
  if (row.banner_text_hash) record.consent.bannerTextHash = row.banner_text_hash;
  if (row.locale) record.consent.locale = row.locale;
  return record;
}

export interface RejectedRow {
  site: string;
  received_at: string;
  reason: string;
  message: string;
  payload: string;
  anonymous_id: string | null;
  user_id: string | null;
}

export function rejectedFromRow(row: RejectedRow): RejectedEvent {
  const rejected: RejectedEvent = {
    site: row.site,
    receivedAt: row.received_at,
    reason: row.reason,
    message: row.message,
    payload: row.payload,
  };
  if (row.anonymous_id !== null) rejected.anonymousId = row.anonymous_id;
  if (row.user_id !== null) rejected.userId = row.user_id;
  return rejected;
}

export interface EventRow extends EventColumnsRow {
  seq: number | string;
}

export interface EventEntryRow {
  seq: number | string;
  user_id: string | null;
  anonymous_id: string | null;
}

export const eventEntryFromRow = (row: EventEntryRow): EventEntry => ({
  seq: Number(row.seq),
  userId: row.user_id,
  anonymousId: row.anonymous_id,
});

export const seqEventFromRow = (row: EventRow) => ({ seq: Number(row.seq), event: eventFromRow(row) });

/** One page from `limit + 1` rows read newest first: the extra row only says whether more follow. */
export function eventPage(rows: EventRow[], limit: number): EventPage {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map(eventFromRow),
    next: rows.length > limit && last ? encodeCursor({ timestamp: last.timestamp, seq: Number(last.seq) }) : null,
  };
}

/** The steps of an erasure, each one statement in every dialect (sqlite-dialect/queries.ts, postgres/queries.ts). */
export type EraseStep =
  | 'events'
  | 'contexts'
  | 'rejected'
  | 'consentAnonymousIds'
  | 'consentUserIds'
  | 'traits'
  | 'mergeMoves'
  | 'mergeLog'
  | 'edges'
  | 'identities'
  | 'stitchSignals'
  | 'stitchCandidates'
  | 'deadLetters'
  | 'emptyDeadLetters';

/** The receipt's figures from the erasure's changes counts. */
export function erasedCounts(changes: Record<EraseStep, number>): ErasureReceipt['erased'] {
  return {
    events: changes.events,
    rejected: changes.rejected,
    consents: changes.consentAnonymousIds + changes.consentUserIds,
    ids: changes.identities,
  };
}

interface NodeRow {
  kind: string;
  id: string;
  personId: string;
}

/** Nodes and traits rows to a person; null when there are no nodes. */
export function personFromRows(
  nodes: NodeRow[],
  traits: { traits: string | Record<string, unknown> }[],
): Person | null {
  const first = nodes[0];
  if (!first) return null;
  const of = (kind: string) => nodes.filter((node) => node.kind === kind).map((node) => node.id);
  return {
    personId: first.personId,
    userIds: of('user'),
    anonymousIds: of('anonymous'),
    deviceIds: of('device'),
    traits: mergedTraits(traits.map((row) => (typeof row.traits === 'string' ? JSON.parse(row.traits) : row.traits))),
  };
}

/** A row of personsNodes: one of the persons' nodes (`asked` null), or an asked node's place in the list and its person. */
export interface PersonsNodeRow {
  asked: number | string | null;
  personId: string;
  kind: string | null;
  id: string | null;
}

/**
 * The rows of personsNodes and personsTraits to the person of each asked node the graph knows, keyed
 * by `kind\nid` as asked: each person built once, as personFromRows builds it, and shared by its nodes.
 */
export function personsFromRows(
  asked: readonly NodeRef[],
  nodeRows: PersonsNodeRow[],
  traitRows: { personId: string; traits: string | Record<string, unknown> }[],
): Map<string, Person> {
  const nodes = new Map<string, NodeRow[]>();
  const traits = new Map<string, { traits: string | Record<string, unknown> }[]>();
  for (const row of nodeRows) {
    if (row.asked !== null) continue;
    (nodes.get(row.personId) ?? nodes.set(row.personId, []).get(row.personId)!).push(row as NodeRow);
  }
  for (const row of traitRows) (traits.get(row.personId) ?? traits.set(row.personId, []).get(row.personId)!).push(row);
  const persons = new Map<string, Person>();
  for (const [personId, rows] of nodes) persons.set(personId, personFromRows(rows, traits.get(personId) ?? [])!);
  const found = new Map<string, Person>();
  for (const row of nodeRows) {
    if (row.asked === null) continue;
    const node = asked[Number(row.asked)];
    const person = persons.get(row.personId);
    if (node && person) found.set(`${node.kind}\n${node.id}`, person);
  }
  return found;
}

/**
 * Later objects' keys win. Defined, not assigned: a trait named `__proto__` (JSON.parse makes it an
 * own key) would otherwise become the result's prototype and vanish from the person and the export.
 */
function mergedTraits(all: Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const traits of all) {
    for (const [key, value] of Object.entries(traits))
      Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

export interface EdgeRow {
  site: string;
  from_kind: string;
  from_id: string;
  to_kind: string;
  to_id: string;
  how: string;
  source: string;
  at: string;
  outcome: string;
}

export function edgeFromRow(row: EdgeRow): EdgeRecord {
  return {
    site: row.site,
    from: { kind: row.from_kind, id: row.from_id },
    to: { kind: row.to_kind, id: row.to_id },
    how: row.how,
    source: row.source,
    at: row.at,
    outcome: row.outcome,
  } as EdgeRecord;
}
