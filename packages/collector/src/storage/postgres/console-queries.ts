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

/** As sqlite/console-queries.ts overviewQueries, in the same order: whole UTC days, from the per-day counts. */
export const overviewQueries = (site: string, from: string, to: string): PgStatement[] => {
  const days = [site, from.slice(0, 10), to.slice(0, 10)];
  return [
    {
      sql: `select day, sum(count)::integer as events,
        (select count(*) from overview_senders s where s.site = $1 and s.day = d.day)::integer as persons,
        (select count(*) from overview_senders s where s.site = $1 and s.day = d.day and s.sender >= 'u:' and s.sender < 'u;')::integer as identified
        from overview_events d where site = $1 and day >= $2 and day < $3 group by day order by day`,
      values: days,
    },
    {
      sql: `select method, policy_version as "policyVersion", sum(count)::integer as count from overview_consents where site = $1 and day >= $2 and day < $3
        group by method, policy_version order by count desc, method`,
      values: days,
    },
    {
      sql: `select category, sum(granted)::integer as granted, sum(total)::integer as total from overview_consent_categories
        where site = $1 and day >= $2 and day < $3 group by category order by category`,
      values: days,
    },
    {
      sql: `select event as name, sum(count)::integer as count from overview_events where site = $1 and type = 'track' and day >= $2 and day < $3
        group by event order by count desc, event limit 10`,
      values: days,
    },
    {
      sql: `select reason, count(*)::integer as count from rejected where site = $1 and received_at >= $2 and received_at < $3 group by reason order by count desc, reason`,
      values: [site, from, to],
    },
  ];
};
