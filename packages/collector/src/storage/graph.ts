// The identity graph's writes, as SQL every adapter runs the same way: SQLite and D1 as they are,
// PostgreSQL with numbered placeholders. Each link is a few plain statements (no reads in between),
// so D1 can run them inside its one-batch transaction and the merge rules live in one place.
import type { Statement } from './statement.ts';
import type { IdentityLink, NodeRef, StitchSignal, TraitsUpdate } from './storage.ts';

/** How a dialect merges two JSON objects of traits (later keys win). */
export interface GraphDialect {
  mergeTraits: (stored: string, incoming: string) => string;
}

export const SQLITE_GRAPH: GraphDialect = { mergeTraits: (stored, incoming) => `json_patch(${stored}, ${incoming})` };
export const POSTGRES_GRAPH: GraphDialect = { mergeTraits: (stored, incoming) => `${stored} || ${incoming}` };

const nodeInsert = (site: string, node: NodeRef, personId: string, at: string): Statement => ({
  sql: 'insert into identities (site, kind, id, person_id, first_seen) values (?, ?, ?, ?, ?) on conflict (site, kind, id) do nothing',
  params: [site, node.kind, node.id, personId, at],
});

const EDGE_KEY = 'e.site = ? and e.from_kind = ? and e.from_id = ? and e.to_kind = ? and e.to_id = ? and e.how = ?';
const edgeKey = (link: IdentityLink) => [link.site, link.from.kind, link.from.id, link.to.kind, link.to.id, link.how];

// A person "has a user" when any of its nodes is a user ID: two such persons never merge. That one
// rule covers both of the design's: different users stay apart, and an anonymous ID already joined
// to one user is not joined to a second (its person has a user). The person with the user is kept;
// between two anonymous persons, the one seen first.
const HAS_USER = (alias: string) =>
  `exists (select 1 from identities u where u.site = ${alias}.site and u.person_id = ${alias}.person_id and u.kind = 'user')`;

/**
 * Applies one edge: creates missing nodes (each its own new person), records the edge once with its
 * outcome, and for a merge logs it with the nodes it moves, then moves them. `newPersonId` makes IDs
 * for nodes the graph has not seen.
 */
export function linkStatements(link: IdentityLink, newPersonId: () => string): Statement[] {
  const key = edgeKey(link);
  return [
    nodeInsert(link.site, link.from, newPersonId(), link.at),
    nodeInsert(link.site, link.to, newPersonId(), link.at),
    {
      sql: `insert into identity_edges (site, from_kind, from_id, to_kind, to_id, how, source, at, outcome, kept_person, merged_person)
        select f.site, f.kind, f.id, t.kind, t.id, ?, ?, ?,
          case when f.person_id = t.person_id then 'same' when f.has_user and t.has_user then 'refused' else 'merged' end,
          case when f.person_id = t.person_id or (f.has_user and t.has_user) then null
               when f.has_user or (not t.has_user and f.first_seen <= t.first_seen) then f.person_id else t.person_id end,
          case when f.person_id = t.person_id or (f.has_user and t.has_user) then null
               when f.has_user or (not t.has_user and f.first_seen <= t.first_seen) then t.person_id else f.person_id end
        from (select f.*, ${HAS_USER('f')} as has_user from identities f where f.site = ? and f.kind = ? and f.id = ?) f,
             (select t.*, ${HAS_USER('t')} as has_user from identities t where t.site = ? and t.kind = ? and t.id = ?) t
        where true
        on conflict (site, from_kind, from_id, to_kind, to_id, how) do nothing`,
      params: [
        link.how,
        link.source,
        link.at,
        link.site,
        link.from.kind,
        link.from.id,
        link.site,
        link.to.kind,
        link.to.id,
      ],
    },
    // A resent edge finds its merge done: the merged person has no nodes left, so nothing below runs again.
    {
      sql: `insert into merge_log (edge_seq, site, at, kept_person, merged_person)
        select e.seq, e.site, e.at, e.kept_person, e.merged_person from identity_edges e
        where ${EDGE_KEY} and e.outcome = 'merged'
          and exists (select 1 from identities i where i.site = e.site and i.person_id = e.merged_person)
        on conflict (edge_seq) do nothing`,
      params: key,
    },
    {
      sql: `insert into merge_moves (edge_seq, kind, id)
        select e.seq, i.kind, i.id from identity_edges e join identities i on i.site = e.site and i.person_id = e.merged_person
        where ${EDGE_KEY} and e.outcome = 'merged'
        on conflict (edge_seq, kind, id) do nothing`,
      params: key,
    },
    {
      sql: `update identities set person_id = (select e.kept_person from identity_edges e where ${EDGE_KEY} and e.outcome = 'merged')
        where site = ? and person_id = (select e.merged_person from identity_edges e where ${EDGE_KEY} and e.outcome = 'merged')`,
      params: [...key, link.site, ...key],
    },
  ];
}

/** Identify's traits: the node exists from then on, and its traits take the new keys. */
export function traitsStatements(
  update: TraitsUpdate,
  newPersonId: () => string,
  dialect: GraphDialect,
  json: (value: object) => string = JSON.stringify,
): Statement[] {
  return [
    nodeInsert(update.site, update.node, newPersonId(), update.at),
    {
      sql: `insert into identity_traits (site, kind, id, traits, updated_at) values (?, ?, ?, ?, ?)
        on conflict (site, kind, id) do update set
          traits = ${dialect.mergeTraits('identity_traits.traits', 'excluded.traits')},
          updated_at = excluded.updated_at`,
      params: [update.site, update.node.kind, update.node.id, json(update.traits), update.at],
    },
  ];
}

/** How far back a new anonymous ID is compared with others (stitching). */
export const STITCH_WINDOW_SECONDS = 1800;

/**
 * Probabilistic stitching: scores the new anonymous ID against those that arrived from the same
 * (truncated) address within the window (address 0.5, same user agent 0.3, closeness in time up
 * to 0.2), stores the candidates with their reasons, then records the new ID's own signal.
 */
export function stitchStatements(signal: StitchSignal): Statement[] {
  const now = String(signal.seenAt);
  return [
    {
      sql: `insert into stitch_candidates (site, anonymous_id, candidate_id, score, reasons, at)
        select s.site, ?, s.anonymous_id,
          0.5 + case when s.user_agent = ? then 0.3 else 0 end + 0.2 * (${STITCH_WINDOW_SECONDS} - (? - s.seen_epoch)) / ${STITCH_WINDOW_SECONDS}.0,
          'same network' || case when s.user_agent = ? then ', same user agent' else '' end || ', ' || cast(? - s.seen_epoch as text) || ' s apart',
          ?
        from stitch_signals s
        where s.site = ? and s.ip = ? and s.seen_epoch >= ? and s.seen_epoch <= ? and s.anonymous_id <> ?
        order by s.seen_epoch desc limit 20
        on conflict (site, anonymous_id, candidate_id) do nothing`,
      params: [
        signal.anonymousId,
        signal.userAgent,
        now,
        signal.userAgent,
        now,
        new Date(signal.seenAt * 1000).toISOString(),
        signal.site,
        signal.ip,
        String(signal.seenAt - STITCH_WINDOW_SECONDS),
        now,
        signal.anonymousId,
      ],
    },
    {
      sql: `insert into stitch_signals (site, anonymous_id, ip, user_agent, seen_epoch) values (?, ?, ?, ?, ?)
        on conflict (site, anonymous_id) do nothing`,
      params: [signal.site, signal.anonymousId, signal.ip, signal.userAgent, now],
    },
  ];
}
