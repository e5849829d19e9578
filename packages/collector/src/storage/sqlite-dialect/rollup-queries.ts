// The figures' reads of the rollups (migration 10), for the sqlite adapter: the per-day senders and the
// orders and campaign touches. Rows come back as arrays; the persons are resolved by figure-facts.ts.
import type { Statement } from '../statement.ts';

/** The site's identity graph (kind, ID, person): read whole, as it is smaller than the events it resolves. */
export const siteIdentities = (site: string): Statement => ({
  sql: 'select kind, id, person_id from identities where site = ?',
  params: [site],
});

/**
 * The senders (u:<user ID>, else a:<anonymous ID>) with an event in the whole UTC days [from, to): each
 * sender of the site once, from one index seek to the next (a skip scan), then whether it has a day in the
 * window. A DISTINCT over the window's rows would sort one row per sender and day instead.
 */
export const sendersSeen = (site: string, fromDay: string, toDay: string): Statement => ({
  sql: `with recursive sender(id) as (
      select (select min(sender) from overview_senders indexed by overview_senders_by_sender where site = ?1)
      union all
      select (select min(sender) from overview_senders indexed by overview_senders_by_sender where site = ?1 and sender > sender.id)
      from sender where sender.id is not null)
    select id from sender where id is not null and exists (select 1 from overview_senders o indexed by overview_senders_by_sender
      where o.site = ?1 and o.sender = sender.id and o.day >= ?2 and o.day < ?3)`,
  params: [site, fromDay, toDay],
});

/** The anonymous IDs a user's events in the window carry: the person of a user ID the graph has not seen is theirs (figure-facts.ts). */
export const anonymousIdsOfUser = (site: string, userId: string, from: string, to: string): Statement => ({
  sql: `select distinct anonymous_id from events where user_id = ? and site = ? and timestamp >= ? and timestamp < ? and computed_slot is null`,
  params: [userId, site, from, to],
});

/** The site's orders and campaign touches before `to`, oldest first (then in storage order). */
export const figureFacts = (site: string, to: string): Statement => ({
  sql: `select user_id, anonymous_id, timestamp, is_order, extracted from figure_facts where site = ? and timestamp < ? order by timestamp, seq`,
  params: [site, to],
});

export const insertFigureFact =
  'insert into figure_facts (site, timestamp, seq, user_id, anonymous_id, is_order, extracted) values (?, ?, ?, ?, ?, ?, ?)';
