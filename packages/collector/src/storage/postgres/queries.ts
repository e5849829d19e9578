// Person reads and erasure in PostgreSQL's dialect: the same statements, in the same order, as
// sqlite-dialect/queries.ts, with ID lists as text[] parameters.
import { ownersOf } from '../event-context.ts';
import { EVENT_COLUMNS } from '../event-row.ts';
import type { EraseStep } from '../rows.ts';
import type { NamedStatements, Statement } from '../statement.ts';
import type { ErasureReceipt, IdSet, NodeRef, Person } from '../storage.ts';

// An event that names a user ID is that user's only (see sqlite-dialect/queries.ts).
const BY_IDS = 'site = ? and ((anonymous_id = any(?::text[]) and user_id is null) or user_id = any(?::text[]))';
// The person's events through the two ID indexes (as in sqlite-dialect/queries.ts): cost follows the person's events.
const EVENTS_OF = `site = ? and seq in (select seq from events where anonymous_id = any(?::text[]) and user_id is null
  union all select seq from events where user_id = any(?::text[]))`;
const byIds = (set: IdSet, storable: (id: string) => string) => [
  set.site,
  set.anonymousIds.map(storable),
  set.userIds.map(storable),
];

export const eventsPage = (
  set: IdSet,
  cursor: { timestamp: string; seq: number },
  limit: number,
  storable: (id: string) => string,
): Statement => ({
  sql: `select e.seq, ${EVENT_COLUMNS} from events e where ${EVENTS_OF} and (timestamp, seq) < (?, ?)
    order by timestamp desc, seq desc limit ?`,
  params: [...byIds(set, storable), storable(cursor.timestamp), cursor.seq, limit + 1],
});

export const eventEntries = (set: IdSet, storable: (id: string) => string): Statement => ({
  sql: `select seq, user_id, anonymous_id from events where site = ? and anonymous_id = any(?::text[]) and user_id is null
    union all select seq, user_id, anonymous_id from events where site = ? and user_id = any(?::text[]) order by seq`,
  params: [set.site, set.anonymousIds.map(storable), set.site, set.userIds.map(storable)],
});

export const eventsBySeq = (site: string, seqs: number[]): Statement => ({
  sql: `select e.seq, ${EVENT_COLUMNS} from events e where e.site = ? and e.seq = any(?::bigint[]) order by e.seq`,
  params: [site, seqs.map(String)],
});

export const eventSummary = (set: IdSet, storable: (id: string) => string): Statement => ({
  sql: `select count(*)::integer as "eventCount", min(timestamp) as "firstSeen", max(timestamp) as "lastSeen" from events where ${EVENTS_OF}`,
  params: byIds(set, storable),
});

export const recentRejected = (site: string, limit: number): Statement => ({
  sql: 'select site, received_at, reason, message, payload, anonymous_id, user_id from rejected where site = ? order by seq desc limit ?',
  params: [site, limit],
});

export const rejectedOf = (set: IdSet, storable: (id: string) => string): Statement => ({
  sql: `select site, received_at, reason, message, payload, anonymous_id, user_id from rejected where ${BY_IDS} order by seq`,
  params: byIds(set, storable),
});

export const personKeys = (site: string): Statement => ({
  // The shop's events and the collector's own changes each through their partial index (migration 11).
  sql: `select distinct case when user_id is not null then 'user' else 'anonymous' end as kind, coalesce(user_id, anonymous_id) as id
    from (select user_id, anonymous_id from events where site = ? and computed_slot is null
      union all select user_id, anonymous_id from events where computed_slot is not null and site = ?) senders
    where coalesce(user_id, anonymous_id) is not null`,
  params: [site, site],
});

/** The members index (events_by_computed_slot): only the collector's change events of the slot are read. */
export const slotEvents = (site: string, slot: string): Statement => ({
  sql: `select e.seq, ${EVENT_COLUMNS} from events e where computed_slot is not null and site = ? and computed_slot = ?`,
  params: [site, slot],
});

export const consentsOf = (set: IdSet, storable: (id: string) => string): Statement => ({
  sql: `select * from consent_log where ${BY_IDS} order by seq`,
  params: byIds(set, storable),
});

const PERSON_OF = '(select person_id from identities where site = ? and kind = ? and id = ?)';

export const personNodes = (site: string, kind: string, id: string): Statement => ({
  sql: `select kind, id, person_id as "personId" from identities where site = ? and person_id = ${PERSON_OF}
    order by first_seen, kind, id`,
  params: [site, site, kind, id],
});

export const personTraits = (site: string, kind: string, id: string): Statement => ({
  sql: `select t.traits from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
    where i.site = ? and i.person_id = ${PERSON_OF} order by t.updated_at`,
  params: [site, site, kind, id],
});

// The asked nodes (two text[], kinds and IDs, as stored) with their places in the list, and the person
// each belongs to, as in sqlite-dialect/queries.ts (places from 0, as json_each's).
const FOUND = `with asked as (select kind, id, n - 1 as n from unnest(?::text[], ?::text[]) with ordinality as a(kind, id, n)),
  found as materialized (select a.n, p.person_id from asked a join identities p on p.site = ? and p.kind = a.kind and p.id = a.id)`;
const asked = (nodes: NodeRef[], storable: (id: string) => string) => [
  nodes.map((node) => node.kind),
  nodes.map((node) => storable(node.id)),
];

export const personsNodes = (site: string, nodes: NodeRef[], storable: (id: string) => string): Statement => ({
  sql: `${FOUND}
    select null::bigint as asked, i.person_id as "personId", i.kind, i.id, i.first_seen from identities i
      where i.site = ? and i.person_id in (select person_id from found)
    union all select n, person_id, null, null, null from found
    order by first_seen, kind, id`,
  params: [...asked(nodes, storable), site, site],
});

export const personsTraits = (site: string, nodes: NodeRef[], storable: (id: string) => string): Statement => ({
  sql: `${FOUND}
    select i.person_id as "personId", t.traits from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
      where i.site = ? and i.person_id in (select person_id from found) order by t.updated_at`,
  params: [...asked(nodes, storable), site, site],
});

const EDGE_COLUMNS = 'e.seq, e.site, e.from_kind, e.from_id, e.to_kind, e.to_id, e.how, e.source, e.at, e.outcome';

export const edgesOf = (site: string, personId: string): Statement => ({
  // A login refused on one of the person's anonymous IDs names another user: it is that user's (see sqlite-dialect/queries.ts).
  sql: `select ${EDGE_COLUMNS} from identities i join identity_edges e on e.site = i.site and e.from_kind = i.kind and e.from_id = i.id
      where i.site = ? and i.person_id = ? and e.outcome <> 'refused'
    union
    select ${EDGE_COLUMNS} from identities i join identity_edges e on e.site = i.site and e.to_kind = i.kind and e.to_id = i.id
      where i.site = ? and i.person_id = ?
    order by seq`,
  params: [site, personId, site, personId],
});

export const stitchCandidates = (set: IdSet, storable: (id: string) => string): Statement => ({
  sql: `select anonymous_id as "anonymousId", candidate_id as "candidateId", score, reasons, at from stitch_candidates
    where site = ? and (anonymous_id = any(?::text[]) or candidate_id = any(?::text[])) order by score desc, at`,
  params: [set.site, set.anonymousIds.map(storable), set.anonymousIds.map(storable)],
});

export const deviceAnonymousId = (site: string, deviceId: string): Statement => ({
  sql: `select to_id as id from identity_edges where site = ? and from_kind = 'device' and from_id = ? and to_kind = 'anonymous'
    and how = 'cookie' order by seq limit 1`,
  params: [site, deviceId],
});

// The events in a dead letter keep their IDs exactly (JSON), not with NUL swapped like the columns.
const DEAD_LETTER_MATCH = `(e.value->'event'->>'site' = ?
  and ((e.value->'event'->>'userId' is null and coalesce(e.value->'event'->>'anonymousId', '') = any(?::text[]))
    or coalesce(e.value->'event'->>'userId', '') = any(?::text[])))`;

/** The running transaction's ID as `xid` (its low 32 bits), to compare with other sessions' snapshots. */
export const OWN_XID = `select (txid_current() % 4294967296)::text as xid`;

/**
 * Other sessions of roles in this database whose snapshot is as old as transaction $1 or older: they
 * may still read what it deleted, so PostgreSQL keeps those row versions, and a vacuum removes them
 * only once these have ended. Any role may see another's backend_xmin (not its backend_type); a role
 * picks out sessions of users rather than the server's own workers.
 */
export const OLDER_SNAPSHOTS = `select count(*)::int as open from pg_stat_activity
  where datname = current_database() and pid <> pg_backend_pid() and usesysid is not null
    and backend_xmin is not null and age(backend_xmin) >= age($1::text::xid)`;

/** The tables an erasure deletes from or rewrites: vacuumed after it, so no dead row version keeps the person. */
export const ERASED_TABLES = [
  'events',
  'contexts',
  'rejected',
  'consent_log',
  'identity_traits',
  'merge_moves',
  'merge_log',
  'identity_edges',
  'identities',
  'stitch_signals',
  'stitch_candidates',
  'dead_letters',
];

/** As sqlite-dialect/queries.ts eraseStatements, step by step. */
export function eraseStatements(
  person: Person,
  receipt: Omit<ErasureReceipt, 'erased'>,
  storable: (id: string) => string,
): NamedStatements<EraseStep> {
  const { site, pseudonym } = receipt;
  const set = { site, userIds: person.userIds, anonymousIds: person.anonymousIds };
  const nodes = [
    ...person.userIds.map((id) => `user:${id}`),
    ...person.anonymousIds.map((id) => `anonymous:${id}`),
    ...person.deviceIds.map((id) => `device:${id}`),
  ].map(storable);
  const edges = `select seq from identity_edges where site = ?
    and (from_kind || ':' || from_id = any(?::text[]) or to_kind || ':' || to_id = any(?::text[]))`;
  return {
    events: { sql: `delete from events where ${EVENTS_OF}`, params: byIds(set, storable) },
    contexts: {
      sql: 'delete from contexts where site = ? and owner = any(?::text[])',
      params: [site, ownersOf(person.userIds, person.anonymousIds).map(storable)],
    },
    rejected: { sql: `delete from rejected where ${BY_IDS}`, params: byIds(set, storable) },
    consentAnonymousIds: {
      sql: 'update consent_log set anonymous_id = ? where site = ? and anonymous_id = any(?::text[]) and (user_id is null or user_id = any(?::text[]))',
      params: [pseudonym, site, set.anonymousIds.map(storable), set.userIds.map(storable)],
    },
    consentUserIds: {
      sql: 'update consent_log set user_id = ? where site = ? and user_id = any(?::text[])',
      params: [pseudonym, site, set.userIds.map(storable)],
    },
    traits: {
      sql: `delete from identity_traits where site = ? and kind || ':' || id = any(?::text[])`,
      params: [site, nodes],
    },
    mergeMoves: { sql: `delete from merge_moves where edge_seq in (${edges})`, params: [site, nodes, nodes] },
    mergeLog: { sql: `delete from merge_log where edge_seq in (${edges})`, params: [site, nodes, nodes] },
    edges: { sql: `delete from identity_edges where seq in (${edges})`, params: [site, nodes, nodes] },
    identities: {
      sql: `delete from identities where site = ? and (person_id = ? or kind || ':' || id = any(?::text[]))`,
      params: [site, person.personId, nodes],
    },
    stitchSignals: {
      sql: 'delete from stitch_signals where site = ? and anonymous_id = any(?::text[])',
      params: [site, set.anonymousIds.map(storable)],
    },
    stitchCandidates: {
      sql: 'delete from stitch_candidates where site = ? and (anonymous_id = any(?::text[]) or candidate_id = any(?::text[]))',
      params: [site, set.anonymousIds.map(storable), set.anonymousIds.map(storable)],
    },
    // A dead letter holds a batch of many people's events: only the person's are taken out of it.
    deadLetters: {
      sql: `update dead_letters d set events = coalesce((select json_agg(e.value order by e.position)
          from json_array_elements(d.events) with ordinality as e(value, position) where not ${DEAD_LETTER_MATCH}), '[]'::json)
        where exists (select 1 from json_array_elements(d.events) as e(value) where ${DEAD_LETTER_MATCH})`,
      params: [site, set.anonymousIds, set.userIds, site, set.anonymousIds, set.userIds],
    },
    emptyDeadLetters: { sql: 'delete from dead_letters where json_array_length(events) = 0', params: [] },
  };
}

// An erasure exit (audiences/erasure.ts); the same condition as the partial index events_erasure_exits.
const ERASURE_EXIT = 'erasure_exit is not null';
const DEAD_LETTER_EXIT = `((e.value #>> '{event,context,kith,erasure}') = 'true' and not exists (select 1 from events x
  where x.site = e.value #>> '{event,site}' and x.message_id = e.value #>> '{event,messageId}'))`;

/** As sqlite-dialect/queries.ts purgeErasureExitsStatements: a cursor has passed an event when its (tx, seq) is not after it. */
export function purgeErasureExitsStatements(destinations: string[]): Statement[] {
  return [
    {
      sql: `delete from events e where ${ERASURE_EXIT} and (cardinality(?::text[]) = 0
        or (select count(*) from forward_cursors c where c.destination = any(?::text[]) and (e.tx, e.seq) <= (c.tx, c.seq)) = cardinality(?::text[]))`,
      params: [destinations, destinations, destinations],
    },
    {
      sql: `update dead_letters d set events = coalesce((select json_agg(e.value order by e.position)
          from json_array_elements(d.events) with ordinality as e(value, position) where not ${DEAD_LETTER_EXIT}), '[]'::json)
        where exists (select 1 from json_array_elements(d.events) as e(value) where ${DEAD_LETTER_EXIT})`,
      params: [],
    },
    { sql: 'delete from dead_letters where json_array_length(events) = 0', params: [] },
    { sql: `select count(*)::integer as waiting from events where ${ERASURE_EXIT}`, params: [] },
  ];
}
