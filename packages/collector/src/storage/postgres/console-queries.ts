// The console's person search and recent list in PostgreSQL's dialect (see sqlite/console-queries.ts).
import type { PgStatement } from './queries.ts';

export const idsStartingWith = (site: string, text: string, limit: number): PgStatement => ({
  sql: `select kind, id, person_id as "personId", first_seen as "firstSeen" from identities
    where site = $1 and starts_with(id, $2) limit $3`,
  values: [site, text, limit],
});

export const emailsStartingWith = (site: string, text: string, limit: number): PgStatement => ({
  sql: `select i.kind, i.id, i.person_id as "personId", i.first_seen as "firstSeen"
    from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
    where t.site = $1 and starts_with(lower(t.traits->>'email'), $2) limit $3`,
  values: [site, text, limit],
});

export const eventIds = (site: string, text: string): PgStatement => ({
  sql: `select 'user' as kind, user_id as id, 'user:' || user_id as "personId", min(timestamp) as "firstSeen"
      from events where user_id = $1 and site = $2 group by user_id
    union all select 'anonymous', anonymous_id, 'anonymous:' || anonymous_id, min(timestamp)
      from events where anonymous_id = $1 and site = $2 group by anonymous_id`,
  values: [text, site],
});

export const recentNodes = (site: string, limit: number): PgStatement => ({
  sql: `select kind, id, person_id as "personId", first_seen as "firstSeen" from identities where site = $1
    order by first_seen desc limit $2`,
  values: [site, limit],
});

/** As sqlite/console-queries.ts overviewQueries, in the same order. */
export const overviewQueries = (site: string, from: string, to: string): PgStatement[] => [
  {
    sql: `select substr(timestamp, 1, 10) as day, count(*)::integer as events, count(distinct coalesce(user_id, anonymous_id))::integer as persons,
      count(distinct user_id)::integer as identified from events where site = $1 and timestamp >= $2 and timestamp < $3 group by day order by day`,
    values: [site, from, to],
  },
  {
    sql: `select method, policy_version as "policyVersion", count(*)::integer as count from consent_log where site = $1 and timestamp >= $2 and timestamp < $3
      group by method, policy_version order by count desc, method`,
    values: [site, from, to],
  },
  {
    sql: `select j.key as category, sum(case when j.value = 'true' then 1 else 0 end)::integer as granted, count(*)::integer as total
      from consent_log c, json_each_text(c.categories) j where c.site = $1 and c.timestamp >= $2 and c.timestamp < $3 group by j.key order by j.key`,
    values: [site, from, to],
  },
  {
    sql: `select event as name, count(*)::integer as count from events where site = $1 and type = 'track' and timestamp >= $2 and timestamp < $3
      group by event order by count desc, event limit 10`,
    values: [site, from, to],
  },
  {
    sql: `select reason, count(*)::integer as count from rejected where site = $1 and received_at >= $2 and received_at < $3 group by reason order by count desc, reason`,
    values: [site, from, to],
  },
];
