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
