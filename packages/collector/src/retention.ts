// Retention (config "retentionDays"): stored data older than the period is deleted, oldest first, a
// chunk at a time (storage/expire.ts says what is deleted and what is kept).
import type { ExpiredCounts } from './storage/expire.ts';
import type { Storage } from './storage/storage.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows of each kind per transaction: small enough that writers barely wait. */
export const RETENTION_CHUNK = 5000;

/** Deletes what was stored more than `days` before `now`, chunk after chunk; returns the totals. */
export async function expireOld(
  storage: Pick<Storage, 'expire'>,
  days: number,
  now: Date,
  chunk = RETENTION_CHUNK,
): Promise<ExpiredCounts> {
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const total: ExpiredCounts = { events: 0, rejected: 0, deadLetters: 0, traits: 0, stitching: 0 };
  for (;;) {
    const counts = await storage.expire(cutoff, chunk);
    for (const key of Object.keys(total) as (keyof ExpiredCounts)[]) total[key] += counts[key];
    // A chunk not full means the oldest rows left are within the period.
    if (counts.events < chunk && counts.rejected < chunk && counts.deadLetters < chunk) return total;
  }
}

export interface Retention {
  stop(): Promise<void>;
}

/** On Node: expires a minute after start, then every hour; a failed run is logged and tried at the next. */
export function startRetention(
  storage: Pick<Storage, 'expire'>,
  days: number,
  options: { everyMs?: number; firstAfterMs?: number; clock?: () => Date; log?: (message: string) => void } = {},
): Retention {
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((message: string) => console.warn(`[kith] retention: ${message}`));
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = expireOld(storage, days, clock()).then(
      (total) => {
        if (total.events + total.rejected + total.deadLetters + total.traits + total.stitching > 0) {
          log(`deleted what was older than ${days} days: ${JSON.stringify(total)}`);
        }
      },
      (error: unknown) =>
        log(
          `could not delete expired data, trying again at the next run: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  };
  const first = setTimeout(run, options.firstAfterMs ?? 60_000);
  const every = setInterval(run, options.everyMs ?? 60 * 60 * 1000);
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
