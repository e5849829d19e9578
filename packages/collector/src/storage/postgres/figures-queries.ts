// Figures' reads in PostgreSQL's dialect: the same statements as sqlite-dialect/figures-queries.ts.
import { funnelDone, funnelSteps } from '../funnel-steps.ts';
import type { SiteEventQuery, SiteFunnelQuery, SiteWindow } from '../storage.ts';
import type { Statement } from '../statement.ts';

const FAR_PAST = '0000';
const FAR_FUTURE = '9999';

/** The same rows as sqlite-dialect/figures-queries.ts's siteEvents. */
export const siteEvents = (query: SiteEventQuery, text: (value: string) => string): Statement => {
  const window = [query.site, text(query.from ?? FAR_PAST), text(query.to ?? FAR_FUTURE)];
  const names = (query.events ?? []).map(text);
  // The shop's events, not the collector's own changes: the condition of migration 11's partial indexes.
  const shops = 'e.computed_slot is null';
  const named = `e.type = 'track' and ${shops} and e.event = any(?::text[])`;
  // The partial index events_with_campaign's condition (a change event's context is its mark alone, never a campaign).
  const withCampaign = 'e.campaign is not null';
  const select = (condition: string) =>
    `select e.seq, e.site, e.user_id, e.anonymous_id, e.type, e.event, e.timestamp, e.body from events e
      where e.site = ? and e.timestamp >= ? and e.timestamp < ? and ${condition}`;
  const selected =
    query.events && query.campaigns
      ? {
          sql: `${select(named)} union all ${select(`${withCampaign} and not (${named})`)}`,
          params: [...window, names, ...window, names],
        }
      : query.events
        ? { sql: select(named), params: [...window, names] }
        : query.campaigns
          ? { sql: select(withCampaign), params: window }
          : { sql: select(shops), params: window };
  return {
    sql: `select p.person_id as "personId",
      (p.user_id is not null or exists (select 1 from identities i where i.site = p.site and i.person_id = p.person_id and i.kind = 'user')) as identified,
      p.user_id as "userId", p.anonymous_id as "anonymousId", p.type, p.event, p.timestamp,
      p.body->'properties'->>'revenue' as revenue, p.body->'properties'->>'total' as total,
      p.body->'properties'->>'products' as products,
      p.body->'context'->'campaign'->>'source' as source, p.body->'context'->'campaign'->>'medium' as medium,
      p.body->'context'->'campaign'->>'name' as name
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
export const siteVisitors = (window: SiteWindow, text: (value: string) => string): Statement => ({
  sql: `with seen as (select distinct user_id, anonymous_id from events where site = ? and timestamp >= ? and timestamp < ? and computed_slot is null),
    persons as (
      select coalesce(u.person_id, a.person_id, case when s.user_id is not null then 'user:' || s.user_id else 'anonymous:' || s.anonymous_id end) as person_id,
        bool_or(s.user_id is not null) as named
      from seen s
      left join identities u on u.site = ? and u.kind = 'user' and u.id = s.user_id
      left join identities a on a.site = ? and a.kind = 'anonymous' and a.id = s.anonymous_id
      group by 1)
    select count(*)::int as visitors,
      (count(*) filter (where named or exists (select 1 from identities i where i.site = ? and i.person_id = p.person_id and i.kind = 'user')))::int as identified
    from persons p`,
  params: [
    window.site,
    text(window.from ?? FAR_PAST),
    text(window.to ?? FAR_FUTURE),
    window.site,
    window.site,
    window.site,
  ],
});

/** The same rows as sqlite-dialect/figures-queries.ts's siteFunnel. */
export const siteFunnel = (query: SiteFunnelQuery, text: (value: string) => string): Statement => {
  if (query.steps.length === 0) return { sql: 'select null as "personId", 0 as reached where false', params: [] };
  const names = query.steps.map(text);
  return {
    sql: `with ev as materialized (
        select e.seq, e.timestamp, e.event,
          coalesce(u.person_id, a.person_id, case when e.user_id is not null then 'user:' || e.user_id else 'anonymous:' || e.anonymous_id end) as person_id
        from events e
        left join identities u on u.site = e.site and u.kind = 'user' and u.id = e.user_id
        left join identities a on a.site = e.site and a.kind = 'anonymous' and a.id = e.anonymous_id
        where e.site = ? and e.type = 'track' and e.computed_slot is null and e.event = any(?::text[]) and e.timestamp >= ? and e.timestamp < ?),
      ${funnelSteps(query.steps.length)}
    select person_id as "personId", count(*)::int as reached
    from ${funnelDone(query.steps.length)}
    group by person_id`,
    params: [query.site, names, text(query.from ?? FAR_PAST), text(query.to ?? FAR_FUTURE), ...names],
  };
};

export const siteConsents = (window: SiteWindow, text: (value: string) => string): Statement => ({
  sql: 'select method, categories from consent_log where site = ? and timestamp >= ? and timestamp < ? order by seq',
  params: [window.site, text(window.from ?? FAR_PAST), text(window.to ?? FAR_FUTURE)],
});

export const savePredictions = (site: string, fittedAt: string, model: unknown): Statement => ({
  sql: `insert into predictions (site, fitted_at, model) values (?, ?, ?)
    on conflict (site) do update set fitted_at = excluded.fitted_at, model = excluded.model`,
  params: [site, fittedAt, JSON.stringify(model)],
});

export const predictions = (site: string): Statement => ({
  sql: 'select fitted_at as "fittedAt", model from predictions where site = ?',
  params: [site],
});
