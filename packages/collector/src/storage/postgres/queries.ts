// Person reads and erasure in PostgreSQL's dialect: the same statements, in the same order, as
// sqlite/queries.ts, with ID lists as text[] parameters.
import type { ErasureReceipt, IdSet, Person } from '../storage.ts';

export interface PgStatement {
  sql: string;
  values: unknown[];
}

// An event that names a user ID is that user's only (see sqlite/queries.ts).
const BY_IDS = 'site = $1 and ((anonymous_id = any($2::text[]) and user_id is null) or user_id = any($3::text[]))';
// The person's events through the two ID indexes (as in sqlite/queries.ts): cost follows the person's events.
const EVENTS_OF = `site = $1 and seq in (select seq from events where anonymous_id = any($2::text[]) and user_id is null
  union all select seq from events where user_id = any($3::text[]))`;
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
): PgStatement => ({
  sql: `select seq, timestamp, body from events where ${EVENTS_OF} and (timestamp, seq) < ($4, $5)
    order by timestamp desc, seq desc limit $6`,
  values: [...byIds(set, storable), storable(cursor.timestamp), cursor.seq, limit + 1],
});

export const eventSummary = (set: IdSet, storable: (id: string) => string): PgStatement => ({
  sql: `select count(*)::integer as "eventCount", min(timestamp) as "firstSeen", max(timestamp) as "lastSeen" from events where ${EVENTS_OF}`,
  values: byIds(set, storable),
});

export const rejectedOf = (set: IdSet, storable: (id: string) => string): PgStatement => ({
  sql: `select site, received_at, reason, message, payload, anonymous_id, user_id from rejected where ${BY_IDS} order by seq`,
  values: byIds(set, storable),
});

export const personKeys = (site: string, slot?: string): PgStatement =>
  slot === undefined
    ? {
        sql: `select distinct case when user_id is not null then 'user' else 'anonymous' end as kind, coalesce(user_id, anonymous_id) as id
    from events where site = $1 and coalesce(user_id, anonymous_id) is not null`,
        values: [site],
      }
    : {
        // The members index (migration 6): only the collector's change events of the slot are read.
        sql: `select distinct case when user_id is not null then 'user' else 'anonymous' end as kind, coalesce(user_id, anonymous_id) as id
    from events where (case when strpos(body::text, '\\u') = 0 then body -> 'context' -> 'kith' ->> 'computed' end) = 'true' and site = $1 and (case when strpos(body::text, '\\u') = 0 then body -> 'context' -> 'kith' ->> 'slot' end) = $2
      and coalesce(user_id, anonymous_id) is not null`,
        values: [site, slot],
      };

export const consentsOf = (set: IdSet, storable: (id: string) => string): PgStatement => ({
  sql: `select * from consent_log where ${BY_IDS} order by seq`,
  values: byIds(set, storable),
});

const PERSON_OF = '(select person_id from identities where site = $1 and kind = $2 and id = $3)';

export const personNodes = (site: string, kind: string, id: string): PgStatement => ({
  sql: `select kind, id, person_id as "personId" from identities where site = $1 and person_id = ${PERSON_OF}
    order by first_seen, kind, id`,
  values: [site, kind, id],
});

export const personTraits = (site: string, kind: string, id: string): PgStatement => ({
  sql: `select t.traits from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
    where i.site = $1 and i.person_id = ${PERSON_OF} order by t.updated_at`,
  values: [site, kind, id],
});

const EDGE_COLUMNS = 'e.seq, e.site, e.from_kind, e.from_id, e.to_kind, e.to_id, e.how, e.source, e.at, e.outcome';

export const edgesOf = (site: string, personId: string): PgStatement => ({
  // A login refused on one of the person's anonymous IDs names another user: it is that user's (see sqlite/queries.ts).
  sql: `select ${EDGE_COLUMNS} from identities i join identity_edges e on e.site = i.site and e.from_kind = i.kind and e.from_id = i.id
      where i.site = $1 and i.person_id = $2 and e.outcome <> 'refused'
    union
    select ${EDGE_COLUMNS} from identities i join identity_edges e on e.site = i.site and e.to_kind = i.kind and e.to_id = i.id
      where i.site = $1 and i.person_id = $2
    order by seq`,
  values: [site, personId],
});

export const stitchCandidates = (set: IdSet, storable: (id: string) => string): PgStatement => ({
  sql: `select anonymous_id as "anonymousId", candidate_id as "candidateId", score, reasons, at from stitch_candidates
    where site = $1 and (anonymous_id = any($2::text[]) or candidate_id = any($2::text[])) order by score desc, at`,
  values: [set.site, set.anonymousIds.map(storable)],
});

export const deviceAnonymousId = (site: string, deviceId: string): PgStatement => ({
  sql: `select to_id as id from identity_edges where site = $1 and from_kind = 'device' and from_id = $2 and to_kind = 'anonymous'
    and how = 'cookie' order by seq limit 1`,
  values: [site, deviceId],
});

// The events in a dead letter keep their IDs exactly (JSON), not with NUL swapped like the columns.
const DEAD_LETTER_MATCH = `(e.value->'event'->>'site' = $1
  and ((e.value->'event'->>'userId' is null and coalesce(e.value->'event'->>'anonymousId', '') = any($2::text[]))
    or coalesce(e.value->'event'->>'userId', '') = any($3::text[])))`;

/** The tables an erasure deletes from or rewrites: vacuumed after it, so no dead row version keeps the person. */
export const ERASED_TABLES = [
  'events',
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

/** As sqlite/queries.ts eraseStatements, in the same order (erasedCounts reads the counts by index). */
export function eraseStatements(
  person: Person,
  receipt: Omit<ErasureReceipt, 'erased'>,
  storable: (id: string) => string,
): PgStatement[] {
  const { site, pseudonym } = receipt;
  const set = { site, userIds: person.userIds, anonymousIds: person.anonymousIds };
  const nodes = [
    ...person.userIds.map((id) => `user:${id}`),
    ...person.anonymousIds.map((id) => `anonymous:${id}`),
    ...person.deviceIds.map((id) => `device:${id}`),
  ].map(storable);
  const edges = `select seq from identity_edges where site = $1
    and (from_kind || ':' || from_id = any($2::text[]) or to_kind || ':' || to_id = any($2::text[]))`;
  return [
    { sql: `delete from events where ${EVENTS_OF}`, values: byIds(set, storable) },
    { sql: `delete from rejected where ${BY_IDS}`, values: byIds(set, storable) },
    {
      sql: 'update consent_log set anonymous_id = $1 where site = $2 and anonymous_id = any($3::text[]) and (user_id is null or user_id = any($4::text[]))',
      values: [pseudonym, site, set.anonymousIds.map(storable), set.userIds.map(storable)],
    },
    {
      sql: 'update consent_log set user_id = $1 where site = $2 and user_id = any($3::text[])',
      values: [pseudonym, site, set.userIds.map(storable)],
    },
    {
      sql: `delete from identity_traits where site = $1 and kind || ':' || id = any($2::text[])`,
      values: [site, nodes],
    },
    { sql: `delete from merge_moves where edge_seq in (${edges})`, values: [site, nodes] },
    { sql: `delete from merge_log where edge_seq in (${edges})`, values: [site, nodes] },
    { sql: `delete from identity_edges where seq in (${edges})`, values: [site, nodes] },
    {
      sql: `delete from identities where site = $1 and (person_id = $2 or kind || ':' || id = any($3::text[]))`,
      values: [site, person.personId, nodes],
    },
    {
      sql: 'delete from stitch_signals where site = $1 and anonymous_id = any($2::text[])',
      values: [site, set.anonymousIds.map(storable)],
    },
    {
      sql: 'delete from stitch_candidates where site = $1 and (anonymous_id = any($2::text[]) or candidate_id = any($2::text[]))',
      values: [site, set.anonymousIds.map(storable)],
    },
    // A dead letter holds a batch of many people's events: only the person's are taken out of it.
    {
      sql: `update dead_letters d set events = coalesce((select json_agg(e.value order by e.position)
          from json_array_elements(d.events) with ordinality as e(value, position) where not ${DEAD_LETTER_MATCH}), '[]'::json)
        where exists (select 1 from json_array_elements(d.events) as e(value) where ${DEAD_LETTER_MATCH})`,
      values: [site, set.anonymousIds, set.userIds],
    },
    { sql: 'delete from dead_letters where json_array_length(events) = 0', values: [] },
  ];
}

// An erasure exit (audiences/erasure.ts); the same expression as the partial index of migration 6.
const ERASURE_EXIT = `(case when strpos(body::text, '\\u') = 0 then body -> 'context' -> 'kith' ->> 'erasure' end) = 'true'`;
const DEAD_LETTER_EXIT = `((e.value #>> '{event,context,kith,erasure}') = 'true' and not exists (select 1 from events x
  where x.site = e.value #>> '{event,site}' and x.message_id = e.value #>> '{event,messageId}'))`;

/** As sqlite/queries.ts purgeErasureExitsStatements: a cursor has passed an event when its (tx, seq) is not after it. */
export function purgeErasureExitsStatements(destinations: string[]): PgStatement[] {
  return [
    {
      sql: `delete from events e where ${ERASURE_EXIT} and (cardinality($1::text[]) = 0
        or (select count(*) from forward_cursors c where c.destination = any($1::text[]) and (e.tx, e.seq) <= (c.tx, c.seq)) = cardinality($1::text[]))`,
      values: [destinations],
    },
    {
      sql: `update dead_letters d set events = coalesce((select json_agg(e.value order by e.position)
          from json_array_elements(d.events) with ordinality as e(value, position) where not ${DEAD_LETTER_EXIT}), '[]'::json)
        where exists (select 1 from json_array_elements(d.events) as e(value) where ${DEAD_LETTER_EXIT})`,
      values: [],
    },
    { sql: 'delete from dead_letters where json_array_length(events) = 0', values: [] },
    { sql: `select count(*)::integer as waiting from events where ${ERASURE_EXIT}`, values: [] },
  ];
}
