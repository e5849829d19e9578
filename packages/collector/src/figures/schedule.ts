// Predictions are refitted on schedule (config "predictions.refitHours", default daily) and on
// demand (POST /v1/predictions/fit, "kith predict fit").
import type { AudienceEngine } from '../audiences/engine.ts';
import type { Storage } from '../storage/storage.ts';
import { refitSite } from './scores.ts';

export interface Refits {
  stop(): Promise<void>;
}

/** Refits every site once; a site that fails is logged and the others still run. */
export async function refitAll(
  storage: Storage,
  siteIds: readonly string[],
  now: Date,
  log: (message: string) => void,
  audiences?: Pick<AudienceEngine, 'touched'>,
): Promise<void> {
  for (const site of siteIds) {
    try {
      const { model, unfitted, scored } = await refitSite(storage, site, { now, audiences });
      if (model)
        log(
          `site "${site}": refitted on ${model.customers} customers (${model.window.from} to ${model.window.to}), scored ${scored} persons`,
        );
      else if (scored > 0) log(`site "${site}": scored ${scored} persons; no predictions yet: ${unfitted}`);
    } catch (error) {
      log(
        `site "${site}": could not refit, trying again at the next run: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/** Whether the hourly cron (Workers) should refit at this hour. */
export const refitDue = (now: Date, everyHours: number): boolean =>
  everyHours > 0 && now.getUTCHours() % everyHours === 0;

/** On Node: refits five minutes after start, then every `everyHours`. */
export function startRefits(
  storage: Storage,
  siteIds: readonly string[],
  everyHours: number,
  options: {
    firstAfterMs?: number;
    log?: (message: string) => void;
    /** Re-evaluates the audiences of each scored person. */
    audiences?: Pick<AudienceEngine, 'touched'> | undefined;
  } = {},
): Refits {
  const log = options.log ?? ((message: string) => console.warn(`[kith] predictions: ${message}`));
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(() => refitAll(storage, siteIds, new Date(), log, options.audiences));
  };
  const first = setTimeout(run, options.firstAfterMs ?? 5 * 60_000);
  const every = setInterval(run, everyHours * 60 * 60 * 1000);
  first.unref?.();
  every.unref?.();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
