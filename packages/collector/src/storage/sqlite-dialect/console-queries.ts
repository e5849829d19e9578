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

/** Nodes whose `email` trait starts with the lower-cased text, read from migration 7's index on it. */
export const emailsStartingWith = (site: string, text: string, limit: number): Statement => ({
  sql: `select i.kind, i.id, i.person_id as personId, i.first_seen as firstSeen
    from identity_traits t join identities i on i.site = t.site and i.kind = t.kind and i.id = t.id
    where t.site = ? and lower(json_extract(t.traits, '$.email')) >= ? and lower(json_extract(t.traits, '$.email')) < ? limit ?`,
  params: [site, text, text + TOP, String(limit)],
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

/**
 * The overview's figures, each one statement over whole UTC days of the period (see SiteOverview),
 * read from the per-day counts that migration 7's triggers keep.
 */
export const overviewQueries = (site: string, from: string, to: string): Statement[] => {
  const days = [site, from.slice(0, 10), to.slice(0, 10)];
  return [
    {
      sql: `select day, sum(count) as events,
        (select count(*) from overview_senders s where s.site = d.site and s.day = d.day) as persons,
        (select count(*) from overview_senders s where s.site = d.site and s.day = d.day and s.sender >= 'u:' and s.sender < 'u;') as identified
        from overview_events d where site = ? and day >= ? and day < ? group by day order by day`,
      params: days,
    },
    {
      sql: `select method, policy_version as policyVersion, sum(count) as count from overview_consents where site = ? and day >= ? and day < ?
        group by method, policy_version order by count desc, method`,
      params: days,
    },
    {
      sql: `select category, sum(granted) as granted, sum(total) as total from overview_consent_categories where site = ? and day >= ? and day < ?
        group by category order by category`,
      params: days,
    },
    {
      sql: `select event as name, sum(count) as count from overview_events where site = ? and type = 'track' and day >= ? and day < ?
        group by event order by count desc, event limit 10`,
      params: days,
    },
    {
      sql: `select reason, count(*) as count from rejected where site = ? and received_at >= ? and received_at < ? group by reason order by count desc, reason`,
      params: [site, from, to],
    },
  ];
};

/**
 * The overview's figures counted from the events themselves, in the order of overviewQueries: for D1 (see d1/schema.ts).
 * The shop's events only, as the per-day counts hold them: not the collector's own changes (`computed_slot is null`).
 */
export const overviewScanQueries = (site: string, from: string, to: string): Statement[] => [
  {
    sql: `select substr(timestamp, 1, 10) as day, count(*) as events,
      count(distinct case when user_id is not null then 'u:' || user_id else 'a:' || anonymous_id end) as persons,
      count(distinct user_id) as identified from events where site = ? and timestamp >= ? and timestamp < ? and computed_slot is null group by day order by day`,
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
    // The names from the covering index by name, as before migration 12 (left to itself, SQLite now takes
    // the window by time and reads each row for its name).
    sql: `select event as name, count(*) as count from events indexed by events_by_site_event
      where site = ? and type = 'track' and timestamp >= ? and timestamp < ? and computed_slot is null
      group by event order by count desc, event limit 10`,
    params: [site, from, to],
  },
  overviewQueries(site, from, to).at(-1)!,
];

/**
 * A write set's stored events added to the overview's per-day counts, a row per day and name and per
 * day and sender (the delete trigger of migration 7 takes them down again by the same keys).
 */
export const countEventsIn = (site: string, day: string, type: string, event: string, count: number): Statement => ({
  sql: `insert into overview_events (site, day, type, event, count) values (?, ?, ?, ?, ?)
        on conflict do update set count = count + excluded.count`,
  params: [site, day, type, event, String(count)],
});
export const countSenderIn = (site: string, day: string, sender: string, events: number): Statement => ({
  sql: `insert into overview_senders (site, day, sender, events) values (?, ?, ?, ?)
        on conflict do update set events = events + excluded.events`,
  params: [site, day, sender, String(events)],
});
