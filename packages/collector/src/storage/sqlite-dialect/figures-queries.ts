// Figures' reads in SQLite's dialect, shared by the sqlite and D1 adapters (D1 is SQLite).
import { funnelDone, funnelSteps } from '../funnel-steps.ts';
import type { Statement } from '../statement.ts';
import type { SiteEventQuery, SiteFunnelQuery, SiteWindow } from '../storage.ts';

const FAR_PAST = '0000';
const FAR_FUTURE = '9999';

/**
 * Each event's person now: the user's person when the event names a user (as everywhere, see
 * DESIGN.md), else its anonymous ID's; an ID the graph has never seen is a person of its own.
 * With `events` and `campaigns` both, the rows of either, each once.
 */
export const siteEvents = (query: SiteEventQuery): Statement => {
  const window = [query.site, query.from ?? FAR_PAST, query.to ?? FAR_FUTURE];
  // The shop's events, not the collector's own changes: the condition of migration 12's partial indexes.
  const shops = 'e.computed_slot is null';
  const named = `e.type = 'track' and ${shops} and e.event in (select value from json_each(?))`;
  // The same condition as the partial index events_with_campaign, so that SQLite reads those rows alone
  // (a change event's context is its mark alone, never a campaign).
  const withCampaign = 'e.campaign is not null';
  const names = JSON.stringify(query.events ?? []);
  // Left to itself, SQLite walks the window by time to spare the sort and reads every row to test its name;
  // events by name read only the rows named (a funnel's steps from the index alone).
  const select = (condition: string, index = '') =>
    `select e.seq, e.site, e.user_id, e.anonymous_id, e.type, e.event, e.timestamp, e.body from events e ${index}
      where e.site = ? and e.timestamp >= ? and e.timestamp < ? and ${condition}`;
  const byName = 'indexed by events_by_site_event';
  const selected =
    query.events && query.campaigns
      ? {
          sql: `${select(named, byName)} union all ${select(`${withCampaign} and not (${named})`)}`,
          params: [...window, names, ...window, names],
        }
      : query.events
        ? { sql: select(named, byName), params: [...window, names] }
        : query.campaigns
          ? { sql: select(withCampaign), params: window }
          : { sql: select(shops), params: window };
  return {
    sql: `select p.person_id as personId,
      (p.user_id is not null or exists (select 1 from identities i where i.site = p.site and i.person_id = p.person_id and i.kind = 'user')) as identified,
      p.user_id as userId, p.anonymous_id as anonymousId, p.type, p.event, p.timestamp,
      -- One parse of the body for every field (json_extract with several paths answers a JSON array).
      json_extract(p.body, '$.properties.revenue', '$.properties.total', '$.properties.products',
        '$.context.campaign.source', '$.context.campaign.medium', '$.context.campaign.name') as extracted
    from (select e.*,
        coalesce(u.person_id, a.person_id, case when e.user_id is not null then 'user:' || e.user_id else 'anonymous:' || e.anonymous_id end) as person_id
      from (${selected.sql}) e
      left join identities u on u.site = e.site and u.kind = 'user' and u.id = e.user_id
      left join identities a on a.site = e.site and a.kind = 'anonymous' and a.id = e.anonymous_id) p
    order by p.timestamp, p.seq`,
    params: selected.params,
  };
};

/** The persons seen in the window (each resolved as in siteEvents), and those of them known by a user ID. */
export const siteVisitors = (window: SiteWindow): Statement => ({
  sql: `with seen as (select distinct user_id, anonymous_id from events where site = ? and timestamp >= ? and timestamp < ? and computed_slot is null),
    persons as (
      select coalesce(u.person_id, a.person_id, case when s.user_id is not null then 'user:' || s.user_id else 'anonymous:' || s.anonymous_id end) as person_id,
        max(s.user_id is not null) as named
      from seen s
      left join identities u on u.site = ? and u.kind = 'user' and u.id = s.user_id
      left join identities a on a.site = ? and a.kind = 'anonymous' and a.id = s.anonymous_id
      group by 1)
    select count(*) as visitors,
      coalesce(sum(named or exists (select 1 from identities i where i.site = ? and i.person_id = p.person_id and i.kind = 'user')), 0) as identified
    from persons p`,
  params: [window.site, window.from ?? FAR_PAST, window.to ?? FAR_FUTURE, window.site, window.site, window.site],
});

/**
 * How far each person got through the steps, counted in SQL so that only one row per person leaves
 * the database: step k is the person's first event of that name after their step k - 1 (by time,
 * then storage order), as a visitor walks the funnel. The steps' events come from the covering
 * index by name, each resolved to its person as in siteEvents.
 */
export const siteFunnel = (query: SiteFunnelQuery): Statement => {
  if (query.steps.length === 0) return { sql: 'select null as personId, 0 as reached where 0', params: [] };
  return {
    sql: `with ev as materialized (
        select e.seq, e.timestamp, e.event,
          coalesce(u.person_id, a.person_id, case when e.user_id is not null then 'user:' || e.user_id else 'anonymous:' || e.anonymous_id end) as person_id
        from events e indexed by events_by_site_event
        left join identities u on u.site = e.site and u.kind = 'user' and u.id = e.user_id
        left join identities a on a.site = e.site and a.kind = 'anonymous' and a.id = e.anonymous_id
        where e.site = ? and e.type = 'track' and e.computed_slot is null and e.event in (select value from json_each(?)) and e.timestamp >= ? and e.timestamp < ?),
      ${funnelSteps(query.steps.length)}
    select person_id as personId, count(*) as reached
    from ${funnelDone(query.steps.length)}
    group by person_id`,
    params: [query.site, JSON.stringify(query.steps), query.from ?? FAR_PAST, query.to ?? FAR_FUTURE, ...query.steps],
  };
};

export const siteConsents = (window: SiteWindow): Statement => ({
  sql: 'select method, categories from consent_log where site = ? and timestamp >= ? and timestamp < ? order by seq',
  params: [window.site, window.from ?? FAR_PAST, window.to ?? FAR_FUTURE],
});

export const savePredictions = (site: string, fittedAt: string, model: unknown): Statement => ({
  sql: `insert into predictions (site, fitted_at, model) values (?, ?, ?)
    on conflict (site) do update set fitted_at = excluded.fitted_at, model = excluded.model`,
  params: [site, fittedAt, JSON.stringify(model)],
});

export const predictions = (site: string): Statement => ({
  sql: 'select fitted_at as fittedAt, model from predictions where site = ?',
  params: [site],
});
