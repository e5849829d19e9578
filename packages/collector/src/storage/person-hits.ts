import type { PersonHit } from './storage.ts';

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
