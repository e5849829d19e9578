// The figures the way they were counted before the rollups (migration 10): from every event of the site
// up to the period's end, each with its person (storage.siteEvents), in TypeScript. What the rollup-based
// figures (figures/service.ts) must equal, in the storage contract and in bench/figures.ts.
import { computeFigures, type Figures } from '../../src/figures/figures.ts';
import type { Period } from '../../src/figures/period.ts';
import { figureEventOf } from '../../src/storage/figures-rows.ts';
import type { PersonEvent, Storage } from '../../src/storage/storage.ts';

export async function figuresByScan(
  storage: Storage,
  site: string,
  period: Period,
  funnel: readonly string[] = [],
): Promise<Figures> {
  const events = await storage.siteEvents({ site, to: period.to });
  const inPeriod = events.filter((e) => e.timestamp >= period.from);
  const visitors = new Set(inPeriod.map((e) => e.personId));
  const identified = new Set(inPeriod.filter((e) => e.identified).map((e) => e.personId));
  const reached = reachedIn(inPeriod, funnel);
  return computeFigures(
    events.filter((e) => e.campaign !== null || figureEventOf(e).order).map(figureEventOf),
    await storage.siteConsents({ site, from: period.from, to: period.to }),
    period,
    funnel,
    {
      visitors: { visitors: visitors.size, identified: identified.size },
      funnel: [...reached].map(([personId, steps]) => ({ personId, reached: steps })),
    },
  );
}

/** How far each person got: the next step counts only after the previous one was done. */
function reachedIn(events: readonly PersonEvent[], steps: readonly string[]): Map<string, number> {
  const reached = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'track') continue;
    const done = reached.get(event.personId) ?? 0;
    if (done < steps.length && event.event === steps[done]) reached.set(event.personId, done + 1);
  }
  return reached;
}
