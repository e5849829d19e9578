// Figures' reads in PostgreSQL's dialect: the same statements as sqlite-dialect/figures-queries.ts.
import type { SiteEventQuery, SiteWindow } from '../storage.ts';
import type { Statement } from '../statement.ts';

const FAR_PAST = '0000';
const FAR_FUTURE = '9999';

export const siteEvents = (query: SiteEventQuery, text: (value: string) => string): Statement => ({
  sql: `select p.person_id as "personId",
      (p.user_id is not null or exists (select 1 from identities i where i.site = p.site and i.person_id = p.person_id and i.kind = 'user')) as identified,
      p.user_id as "userId", p.anonymous_id as "anonymousId", p.type, p.event, p.timestamp,
      p.body->'properties'->>'revenue' as revenue, p.body->'properties'->>'total' as total,
      p.body->'properties'->>'products' as products,
      p.body->'context'->'campaign'->>'source' as source, p.body->'context'->'campaign'->>'medium' as medium,
      p.body->'context'->'campaign'->>'name' as name
    from (select e.seq, e.site, e.user_id, e.anonymous_id, e.type, e.event, e.timestamp, e.body,
        coalesce(u.person_id, a.person_id, case when e.user_id is not null then 'user:' || e.user_id else 'anonymous:' || e.anonymous_id end) as person_id
      from events e
      left join identities u on u.site = e.site and u.kind = 'user' and u.id = e.user_id
      left join identities a on a.site = e.site and a.kind = 'anonymous' and a.id = e.anonymous_id
      where e.site = ? and e.timestamp >= ? and e.timestamp < ?
        ${query.events ? `and e.type = 'track' and e.event = any(?::text[])` : ''}) p
    order by p.timestamp, p.seq`,
  params: [
    query.site,
    text(query.from ?? FAR_PAST),
    text(query.to ?? FAR_FUTURE),
    ...(query.events ? [query.events.map(text)] : []),
  ],
});

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
