// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- fmin has no types; other packages type-check this file without reading the folder.
/// <reference path="./fmin.d.ts" />
// fmin 0.0.2: 0.0.4 declares itself an ES module but ships its UMD build, which then exports nothing under Node.
import { nelderMead } from 'fmin';

/**
 * Minimises a function of positive parameters: Nelder-Mead (fmin) on their logarithms, so the
 * search never leaves the domain. Restarted from its own answer until it stops improving, as a
 * simplex can collapse early on a long, curved valley such as BG/NBD's likelihood.
 */
export function minimizePositive(
  objective: (params: number[]) => number,
  start: number[],
): { params: number[]; value: number } {
  const onLogs = (logs: number[]) => {
    const value = objective(logs.map(Math.exp));
    return Number.isFinite(value) ? value : Number.MAX_VALUE;
  };
  // fmin reads minErrorDelta as its tolerance on the parameters too: 1e-8 on their logarithms is far finer than any
  // estimate is published to. The objective should be per customer, so that this is relative, whatever the shop's size.
  const settings = { maxIterations: 2000, minErrorDelta: 1e-8 };
  let best = nelderMead(onLogs, start.map(Math.log), settings);
  for (let restart = 0; restart < 8; restart++) {
    const next = nelderMead(onLogs, best.x, settings);
    const improved = best.fx - next.fx > 1e-9;
    best = next.fx <= best.fx ? next : best;
    if (!improved) break;
  }
  return { params: best.x.map(Math.exp), value: best.fx };
}
