import type { PersonHit, SiteOverview } from './storage.ts';

/** Exact matches first, then the newest; each node once. */
export function rankHits(text: string, hits: PersonHit[], limit: number): PersonHit[] {
  const seen = new Set<string>();
  const unique = hits.filter((hit) => {
    const key = `${hit.kind}:${hit.id}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const exact = (hit: PersonHit) => (hit.id === text ? 0 : 1);
  return unique.sort((a, b) => exact(a) - exact(b) || b.firstSeen.localeCompare(a.firstSeen)).slice(0, limit);
}

/** The overview's five result sets (in the order of overviewQueries) as a SiteOverview. */
export function overviewOf(results: Record<string, unknown>[][]): SiteOverview {
  const [days = [], consentChoices = [], consentCategories = [], topEvents = [], refused = []] = results as never[][];
  return { days, consentChoices, consentCategories, topEvents, refused } as SiteOverview;
}
