import type { Storage } from '../storage/storage.ts';
import { computeFigures, type Figures } from './figures.ts';
import type { Period } from './period.ts';

/** The site's figures for the period, read through the storage (used by the admin API and the CLI). */
export async function siteFigures(
  storage: Storage,
  site: string,
  period: Period,
  funnel: readonly string[] = [],
): Promise<Figures> {
  // Events before the period too: they tell a person's first order and the campaigns that brought them.
  const [events, consents] = await Promise.all([
    storage.siteEvents({ site, to: period.to }),
    storage.siteConsents({ site, from: period.from, to: period.to }),
  ]);
  return computeFigures(events, consents, period, funnel);
}
