import type { Storage } from '../storage/storage.ts';
import { computeFigures, type Figures } from './figures.ts';
import type { Period } from './period.ts';
import { ORDER_COMPLETED } from './scores.ts';

/**
 * The site's figures for the period, read through the storage (used by the admin API and the CLI).
 * The storage counts the persons seen and returns only the events the figures look at one by one:
 * orders and the events that carry a campaign up to the period's end (they tell a person's first
 * order and the campaigns that brought them), and how far each person got through the funnel.
 */
export async function siteFigures(
  storage: Storage,
  site: string,
  period: Period,
  funnel: readonly string[] = [],
): Promise<Figures> {
  const [visitors, events, reached, consents] = await Promise.all([
    storage.siteVisitors({ site, from: period.from, to: period.to }),
    storage.siteEvents({ site, to: period.to, events: [ORDER_COMPLETED], campaigns: true }),
    funnel.length > 0 ? storage.siteFunnel({ site, from: period.from, to: period.to, steps: [...funnel] }) : [],
    storage.siteConsents({ site, from: period.from, to: period.to }),
  ]);
  return computeFigures(events, consents, period, funnel, { visitors, funnel: reached });
}
