// Person reads and erasure in SQLite's dialect, shared by the sqlite and D1 adapters (D1 is SQLite).
// A list of IDs goes in as one JSON array parameter read with json_each, so no statement ever
// needs more bound parameters than D1 allows, however many IDs a person has.
import type { NamedStatements, Statement } from '../statement.ts';
import { ownersOf } from '../event-context.ts';
import { EVENT_COLUMNS } from '../event-row.ts';
import type { EraseStep } from '../rows.ts';
import type { ErasureReceipt, IdSet, NodeRef, Person } from '../storage.ts';

const ids = (list: string[]) => JSON.stringify(list);
const IN = (column: string) => `${column} in (select value from json_each(?))`;
// The person's events through the two ID indexes, then by rowid: cost follows the person's events,
// not the table's. `+site` keeps the planner off the (site, message_id) index, which would scan a
// whole site's events.
// An event (or consent, or quarantined event) that names a user ID is that user's only: an anonymous ID
// shared by two users (a shop computer without logout) must not hand one's data to the other.
const EVENTS_OF = `seq in (select seq from events where ${IN('anonymous_id')} and +site = ? and user_id is null
  union all select seq from events where ${IN('user_id')} and +site = ?)`;
const eventsOf = (set: IdSet) => [ids(set.anonymousIds), set.site, ids(set.userIds), set.site];
const BY_IDS = `+site = ? and ((${IN('anonymous_id')} and user_id is null) or ${IN('user_id')})`;
const byIds = (set: IdSet) => [set.site, ids(set.anonymousIds), ids(set.userIds)];

export const eventsPage = (set: IdSet, cursor: { timestamp: string; seq: number }, limit: number): Statement => ({
  sql: `select e.seq, ${EVENT_COLUMNS} from events e where ${EVENTS_OF} and (timestamp, seq) < (?, ?)
    order by timestamp desc, seq desc limit ?`,
  params: [...eventsOf(set), cursor.timestamp, String(cursor.seq), String(limit + 1)],
});

export const eventSummary = (set: IdSet): Statement => ({
  sql: `select count(*) as eventCount, min(timestamp) as firstSeen, max(timestamp) as lastSeen from events where ${EVENTS_OF}`,
  params: eventsOf(set),
});

// The two ID indexes' branches answer the entry themselves: no third visit of each row by its seq.
export const eventEntries = (set: IdSet): Statement => ({
  sql: `select seq, user_id, anonymous_id from events where ${IN('anonymous_id')} and +site = ? and user_id is null
    union all select seq, user_id, anonymous_id from events where ${IN('user_id')} and +site = ? order by seq`,
  params: eventsOf(set),
});

export const eventsBySeq = (site: string, seqs: number[]): Statement => ({
  sql: `select e.seq, ${EVENT_COLUMNS} from events e where e.seq in (select value from json_each(?)) and e.site = ? order by e.seq`,
  params: [JSON.stringify(seqs), site],
});

export const recentRejected = (site: string, limit: number): Statement => ({
  sql: 'select site, received_at, reason, message, payload, anonymous_id, user_id from rejected where site = ? order by seq desc limit ?',
  params: [site, limit],
});

export const rejectedOf = (set: IdSet): Statement => ({
  sql: `select site, received_at, reason, message, payload, anonymous_id, user_id from rejected where ${BY_IDS} order by seq`,
  params: byIds(set),
});

export const personKeys = (site: string): Statement => ({
  // The shop's events and the collector's own changes each through their partial index (migration 12).
  sql: `select distinct case when user_id is not null then 'user' else 'anonymous' end as kind, coalesce(user_id, anonymous_id) as id
    from (select user_id, anonymous_id from events where site = ? and computed_slot is null
      union all select user_id, anonymous_id from events where computed_slot is not null and site = ?)
    where coalesce(user_id, anonymous_id) is not null`,
  params: [site, site],
});

/** The members index (events_by_computed_slot): only the collector's change events of the slot are read. */
export const slotEvents = (site: string, slot: string): Statement => ({
  sql: `select e.seq, ${EVENT_COLUMNS} from events e where computed_slot is not null and site = ? and computed_slot = ?`,
  params: [site, slot],
});

export const consentsOf = (set: IdSet): Statement => ({
  sql: `select * from consent_log where ${BY_IDS} order by seq`,
  params: byIds(set),
});

/**
 * The person's nodes; empty when the graph has never seen the node. `+first_seen`: sorting the few
 * nodes read through identities_by_person, never walking the site's recency index to skip the sort.
 */
export const personNodes = (site: string, kind: string, id: string): Statement => ({
  sql: `select kind, id, person_id as personId from identities
    where site = ? and person_id = (select person_id from identities where site = ? and kind = ? and id = ?)
    order by +first_seen, kind, id`,
  params: [site, site, kind, id],
});

/** The traits of the person's nodes, oldest update first, so folding them lets the latest win. */
export const personTraits = (site: string, kind: string, id: string): Statement => ({
  sql: `select t.traits from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
    where i.site = ? and i.person_id = (select person_id from identities where site = ? and kind = ? and id = ?)
    order by t.updated_at`,
  params: [site, site, kind, id],
});

// The asked nodes (a JSON array of [kind, id], each with its place in the array) and the person each
// belongs to: the persons of many nodes in two reads, whatever their count. `cross join` keeps SQLite
// starting from the list, each node found by the primary key, never walking a site's identities.
const FOUND = `with asked as (select key as n, json_extract(value, '$[0]') as kind, json_extract(value, '$[1]') as id from json_each(?)),
  found as materialized (select a.n, p.person_id from asked a cross join identities p on p.site = ? and p.kind = a.kind and p.id = a.id)`;
const asked = (nodes: NodeRef[]) => JSON.stringify(nodes.map((node) => [node.kind, node.id]));

/**
 * The nodes of the persons of the asked nodes, in personNodes' order (`asked` null), and which person
 * each asked node the graph knows belongs to (`asked`: its place in the list). `+i.first_seen`: sorting
 * the few nodes read through identities_by_person, as personNodes does.
 */
export const personsNodes = (site: string, nodes: NodeRef[]): Statement => ({
  sql: `${FOUND}
    select null as asked, i.person_id as personId, i.kind, i.id, +i.first_seen as first_seen from identities i
      where i.site = ? and i.person_id in (select person_id from found)
    union all select n, person_id, null, null, null from found
    order by first_seen, kind, id`,
  params: [asked(nodes), site, site],
});

/** The traits of the nodes of the persons of the asked nodes, oldest update first, as personTraits. */
export const personsTraits = (site: string, nodes: NodeRef[]): Statement => ({
  sql: `${FOUND}
    select i.person_id as personId, t.traits from identities i cross join identity_traits t on t.site = i.site and t.kind = i.kind and t.id = i.id
      where i.site = ? and i.person_id in (select person_id from found)
    order by t.updated_at`,
  params: [asked(nodes), site, site],
});

const EDGE_COLUMNS = `e.seq, e.site, e.from_kind, e.from_id, e.to_kind, e.to_id, e.how, e.source, e.at, e.outcome`;

export const edgesOf = (site: string, personId: string): Statement => ({
  // cross join: SQLite then starts from the person's nodes, not from every edge of the site.
  // A login refused on one of the person's anonymous IDs names another user: it is that user's, not this person's.
  sql: `select ${EDGE_COLUMNS} from identities i cross join identity_edges e on e.site = i.site and e.from_kind = i.kind and e.from_id = i.id
      where i.site = ? and i.person_id = ? and e.outcome <> 'refused'
    union
    select ${EDGE_COLUMNS} from identities i cross join identity_edges e on e.site = i.site and e.to_kind = i.kind and e.to_id = i.id
      where i.site = ? and i.person_id = ?
    order by seq`,
  params: [site, personId, site, personId],
});

export const stitchCandidates = (set: IdSet): Statement => ({
  sql: `select anonymous_id as anonymousId, candidate_id as candidateId, score, reasons, at from stitch_candidates
    where rowid in (select rowid from stitch_candidates where site = ? and ${IN('anonymous_id')}
      union all select rowid from stitch_candidates where site = ? and ${IN('candidate_id')})
    order by score desc, at`,
  params: [set.site, ids(set.anonymousIds), set.site, ids(set.anonymousIds)],
});

export const deviceAnonymousId = (site: string, deviceId: string): Statement => ({
  sql: `select to_id as id from identity_edges where site = ? and from_kind = 'device' and from_id = ? and to_kind = 'anonymous'
    and how = 'cookie' order by seq limit 1`,
  params: [site, deviceId],
});

/** Forgets nonces past their token's expiry (they can no longer be replayed), then claims this one. */
export const claimNonce = (nonce: string, expiresAt: string, now: string): Statement[] => [
  { sql: 'delete from linker_nonces where expires_at < ?', params: [now] },
  {
    sql: 'insert into linker_nonces (nonce, expires_at) values (?, ?) on conflict (nonce) do nothing',
    params: [nonce, expiresAt],
  },
];

// coalesce: an event without a userId must count as "not the person's", not as unknown (null).
const DEAD_LETTER_MATCH = `(json_extract(e.value, '$.event.site') = ? and ((json_extract(e.value, '$.event.userId') is null
    and coalesce(json_extract(e.value, '$.event.anonymousId'), '') in (select value from json_each(?)))
  or coalesce(json_extract(e.value, '$.event.userId'), '') in (select value from json_each(?))))`;

/**
 * Erasure, in order: events and quarantined events naming an ID, the consent log's IDs swapped for
 * the pseudonym, then traits, merge log, edges and nodes, and the person out of dead letters.
 */
export function eraseStatements(person: Person, receipt: Omit<ErasureReceipt, 'erased'>): NamedStatements<EraseStep> {
  const { site, pseudonym } = receipt;
  const set = { site, userIds: person.userIds, anonymousIds: person.anonymousIds };
  const nodes = ids([
    ...person.userIds.map((id) => `user:${id}`),
    ...person.anonymousIds.map((id) => `anonymous:${id}`),
    ...person.deviceIds.map((id) => `device:${id}`),
  ]);
  const edges = `select seq from identity_edges where site = ?
    and (from_kind || ':' || from_id in (select value from json_each(?)) or to_kind || ':' || to_id in (select value from json_each(?)))`;
  return {
    events: { sql: `delete from events where ${EVENTS_OF}`, params: eventsOf(set) },
    // The shared contexts of those events, by the same rule (event-context.ts): the owner is the user ID, else the anonymous ID.
    contexts: {
      sql: `delete from contexts where site = ? and ${IN('owner')}`,
      params: [site, ids(ownersOf(person.userIds, person.anonymousIds))],
    },
    // Quarantined events by the IDs they name, matched exactly (never by a substring of the payload).
    rejected: { sql: `delete from rejected where ${BY_IDS}`, params: byIds(set) },
    consentAnonymousIds: {
      sql: `update consent_log set anonymous_id = ? where +site = ? and ${IN('anonymous_id')} and (user_id is null or ${IN('user_id')})`,
      params: [pseudonym, site, ids(set.anonymousIds), ids(set.userIds)],
    },
    consentUserIds: {
      sql: `update consent_log set user_id = ? where +site = ? and ${IN('user_id')}`,
      params: [pseudonym, site, ids(set.userIds)],
    },
    traits: {
      sql: `delete from identity_traits where site = ? and kind || ':' || id in (select value from json_each(?))`,
      params: [site, nodes],
    },
    mergeMoves: { sql: `delete from merge_moves where edge_seq in (${edges})`, params: [site, nodes, nodes] },
    mergeLog: { sql: `delete from merge_log where edge_seq in (${edges})`, params: [site, nodes, nodes] },
    edges: { sql: `delete from identity_edges where seq in (${edges})`, params: [site, nodes, nodes] },
    identities: {
      sql: `delete from identities where site = ? and (person_id = ? or kind || ':' || id in (select value from json_each(?)))`,
      params: [site, person.personId, nodes],
    },
    stitchSignals: {
      sql: `delete from stitch_signals where site = ? and ${IN('anonymous_id')}`,
      params: [site, ids(set.anonymousIds)],
    },
    stitchCandidates: {
      sql: `delete from stitch_candidates where site = ? and (${IN('anonymous_id')} or ${IN('candidate_id')})`,
      params: [site, ids(set.anonymousIds), ids(set.anonymousIds)],
    },
    // A dead letter holds a batch of many people's events: only the person's are taken out of it.
    deadLetters: {
      sql: `update dead_letters set events = (select json_group_array(json(e.value)) from json_each(dead_letters.events) e where not ${DEAD_LETTER_MATCH})
        where exists (select 1 from json_each(dead_letters.events) e where ${DEAD_LETTER_MATCH})`,
      params: [...byIds(set), ...byIds(set)],
    },
    emptyDeadLetters: { sql: 'delete from dead_letters where json_array_length(events) = 0', params: [] },
  };
}

export const receiptInsert = (receipt: ErasureReceipt): Statement => ({
  sql: 'insert into erasures (receipt_id, site, erased_at, pseudonym, erased) values (?, ?, ?, ?, ?)',
  params: [receipt.receiptId, receipt.site, receipt.erasedAt, receipt.pseudonym, JSON.stringify(receipt.erased)],
});

// An erasure exit: the collector's own event telling the forwarders that an erased person left an audience.
// The same condition as the partial index events_erasure_exits.
const ERASURE_EXIT = 'erasure_exit is not null';
const DEAD_LETTER_EXIT = `(json_extract(e.value, '$.event.context.kith.erasure') = 1 and not exists (select 1 from events x
  where x.site = json_extract(e.value, '$.event.site') and x.message_id = json_extract(e.value, '$.event.messageId')))`;

/**
 * The erasure exits every destination's cursor has passed (delivered or dead-lettered) are deleted,
 * then taken out of dead letters; the last statement counts those still waiting. Shared with D1.
 */
export function purgeErasureExitsStatements(destinations: string[]): Statement[] {
  const list = JSON.stringify(destinations);
  return [
    {
      sql: `delete from events where ${ERASURE_EXIT} and seq <= (select case when json_array_length(?) = 0 then 9223372036854775807
        when count(*) = json_array_length(?) then min(seq) else 0 end from forward_cursors where destination in (select value from json_each(?)))`,
      params: [list, list, list],
    },
    {
      sql: `update dead_letters set events = (select json_group_array(json(e.value)) from json_each(dead_letters.events) e where not ${DEAD_LETTER_EXIT})
        where exists (select 1 from json_each(dead_letters.events) e where ${DEAD_LETTER_EXIT})`,
      params: [],
    },
    { sql: `select count(*) as waiting from events where ${ERASURE_EXIT}`, params: [] },
  ];
}
