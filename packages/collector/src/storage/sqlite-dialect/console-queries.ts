// The console's person search and recent list in SQLite's dialect, shared by the sqlite and D1 adapters.
import type { Statement } from '../statement.ts';

// Above every character: `id >= text and id < text || TOP` is "starts with", read from the primary key.
const TOP = '\u{10FFFF}';

/** Nodes whose ID starts with the text (equal included), by the identities primary key. */
export const idsStartingWith = (site: string, text: string, limit: number): Statement => ({
  sql: `select kind, id, person_id as personId, first_seen as firstSeen from identities
    where site = ? and kind in ('user', 'anonymous', 'device') and id >= ? and id < ? limit ?`,
  params: [site, text, text + TOP, String(limit)],
});

/** Nodes whose `email` trait starts with the lower-cased text. */
export const emailsStartingWith = (site: string, text: string, limit: number): Statement => ({
  sql: `select i.kind, i.id, i.person_id as personId, i.first_seen as firstSeen
    from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
    where t.site = ? and substr(lower(json_extract(t.traits, '$.email')), 1, length(?)) = ? limit ?`,
  params: [site, text, text, String(limit)],
});

/** An ID that only events name (a shop's backend sends events the graph never links). */
export const eventIds = (site: string, text: string): Statement => ({
  sql: `select kind, id, 'user:' || id as personId, firstSeen from (select 'user' as kind, user_id as id, min(timestamp) as firstSeen
      from events where user_id = ? and +site = ? group by user_id)
    union all select kind, id, 'anonymous:' || id, firstSeen from (select 'anonymous' as kind, anonymous_id as id, min(timestamp) as firstSeen
      from events where anonymous_id = ? and +site = ? group by anonymous_id)`,
  params: [text, site, text, site],
});

export const recentNodes = (site: string, limit: number): Statement => ({
  sql: `select kind, id, person_id as personId, first_seen as firstSeen from identities where site = ?
    order by first_seen desc limit ?`,
  params: [site, String(limit)],
});

/** The overview's figures, each one statement over the period (see SiteOverview). */
export const overviewQueries = (site: string, from: string, to: string): Statement[] => [
  {
    sql: `select substr(timestamp, 1, 10) as day, count(*) as events, count(distinct coalesce(user_id, anonymous_id)) as persons,
      count(distinct user_id) as identified from events where site = ? and timestamp >= ? and timestamp < ? group by day order by day`,
    params: [site, from, to],
  },
  {
    sql: `select method, policy_version as policyVersion, count(*) as count from consent_log where site = ? and timestamp >= ? and timestamp < ?
      group by method, policy_version order by count desc, method`,
    params: [site, from, to],
  },
  {
    sql: `select j.key as category, sum(case when j.value = 1 then 1 else 0 end) as granted, count(*) as total
      from consent_log c, json_each(c.categories) j where c.site = ? and c.timestamp >= ? and c.timestamp < ? group by j.key order by j.key`,
    params: [site, from, to],
  },
  {
    sql: `select event as name, count(*) as count from events where site = ? and type = 'track' and timestamp >= ? and timestamp < ?
      group by event order by count desc, event limit 10`,
    params: [site, from, to],
  },
  {
    sql: `select reason, count(*) as count from rejected where site = ? and received_at >= ? and received_at < ? group by reason order by count desc, reason`,
    params: [site, from, to],
  },
];
