// The console's person search and recent list in PostgreSQL's dialect (see sqlite-dialect/console-queries.ts).
import type { Statement } from '../statement.ts';

export const idsStartingWith = (site: string, text: string, limit: number): Statement => ({
  sql: `select kind, id, person_id as "personId", first_seen as "firstSeen" from identities
    where site = ? and starts_with(id, ?) limit ?`,
  params: [site, text, limit],
});

export const emailsStartingWith = (site: string, text: string, limit: number): Statement => ({
  sql: `select i.kind, i.id, i.person_id as "personId", i.first_seen as "firstSeen"
    from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
    where t.site = ? and starts_with(lower(t.traits->>'email'), ?) limit ?`,
  params: [site, text, limit],
});

export const eventIds = (site: string, text: string): Statement => ({
  sql: `select 'user' as kind, user_id as id, 'user:' || user_id as "personId", min(timestamp) as "firstSeen"
      from events where user_id = ? and site = ? group by user_id
    union all select 'anonymous', anonymous_id, 'anonymous:' || anonymous_id, min(timestamp)
      from events where anonymous_id = ? and site = ? group by anonymous_id`,
  params: [text, site, text, site],
});

export const recentNodes = (site: string, limit: number): Statement => ({
  sql: `select kind, id, person_id as "personId", first_seen as "firstSeen" from identities where site = ?
    order by first_seen desc limit ?`,
  params: [site, limit],
});

/** As sqlite-dialect/console-queries.ts overviewScanQueries, in the same order (see schema.ts, migration 7). */
export const overviewQueries = (site: string, from: string, to: string): Statement[] => [
  {
    sql: `select substr(timestamp, 1, 10) as day, count(*)::integer as events, count(distinct coalesce(user_id, anonymous_id))::integer as persons,
      count(distinct user_id)::integer as identified from events where site = ? and timestamp >= ? and timestamp < ? and computed_slot is null group by day order by day`,
    params: [site, from, to],
  },
  {
    sql: `select method, policy_version as "policyVersion", count(*)::integer as count from consent_log where site = ? and timestamp >= ? and timestamp < ?
      group by method, policy_version order by count desc, method`,
    params: [site, from, to],
  },
  {
    sql: `select j.key as category, sum(case when j.value = 'true' then 1 else 0 end)::integer as granted, count(*)::integer as total
      from consent_log c, json_each_text(c.categories) j where c.site = ? and c.timestamp >= ? and c.timestamp < ? group by j.key order by j.key`,
    params: [site, from, to],
  },
  {
    sql: `select event as name, count(*)::integer as count from events where site = ? and type = 'track' and timestamp >= ? and timestamp < ? and computed_slot is null
      group by event order by count desc, event limit 10`,
    params: [site, from, to],
  },
  {
    sql: `select reason, count(*)::integer as count from rejected where site = ? and received_at >= ? and received_at < ? group by reason order by count desc, reason`,
    params: [site, from, to],
  },
];
