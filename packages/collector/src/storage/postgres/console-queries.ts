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

/** As sqlite-dialect/console-queries.ts overviewQueries, in the same order: whole UTC days, from the per-day counts. */
export const overviewQueries = (site: string, from: string, to: string): Statement[] => {
  const days = [site, from.slice(0, 10), to.slice(0, 10)];
  return [
    {
      sql: `select day, sum(count)::integer as events,
        (select count(*) from overview_senders s where s.site = ? and s.day = d.day)::integer as persons,
        (select count(*) from overview_senders s where s.site = ? and s.day = d.day and s.sender >= 'u:' and s.sender < 'u;')::integer as identified
        from overview_events d where site = ? and day >= ? and day < ? group by day order by day`,
      params: [site, site, ...days],
    },
    {
      sql: `select method, policy_version as "policyVersion", sum(count)::integer as count from overview_consents where site = ? and day >= ? and day < ?
        group by method, policy_version order by count desc, method`,
      params: days,
    },
    {
      sql: `select category, sum(granted)::integer as granted, sum(total)::integer as total from overview_consent_categories
        where site = ? and day >= ? and day < ? group by category order by category`,
      params: days,
    },
    {
      sql: `select event as name, sum(count)::integer as count from overview_events where site = ? and type = 'track' and day >= ? and day < ?
        group by event order by count desc, event limit 10`,
      params: days,
    },
    {
      sql: `select reason, count(*)::integer as count from rejected where site = ? and received_at >= ? and received_at < ? group by reason order by count desc, reason`,
      params: [site, from, to],
    },
  ];
};
