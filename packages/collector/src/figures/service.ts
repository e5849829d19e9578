import type { Storage } from '../storage/storage.ts';
import { computeFigures, type Figures } from './figures.ts';
import type { Period } from './period.ts';

/**
 * The site's figures for the period, read through the storage (used by the admin API and the CLI).
 * The storage counts the persons seen (from per-day senders where it keeps them) and returns only what
 * the figures look at one by one: orders and campaign touches up to the period's end (they tell a
 * person's first order and the campaigns that brought them), and how far each person got through the
 * funnel (counted on the events: a funnel's steps are any event names, ordered within the day).
 */
export async function siteFigures(
  storage: Storage,
  site: string,
  period: Period,
  funnel: readonly string[] = [],
): Promise<Figures> {
  const [visitors, events, reached, consents] = await Promise.all([
    storage.siteVisitors({ site, from: period.from, to: period.to }),
    storage.siteOrdersAndTouches({ site, to: period.to }),
    funnel.length > 0 ? storage.siteFunnel({ site, from: period.from, to: period.to, steps: [...funnel] }) : [],
    storage.siteConsents({ site, from: period.from, to: period.to }),
  ]);
  return computeFigures(events, consents, period, funnel, { visitors, funnel: reached });
}
