import type { ForwardStore, OutboxEvent } from '../storage/storage.ts';
import { retryDelay, sleep, type RetryOptions } from './backoff.ts';
import { DeliveryError, type Destination } from './destination.ts';

export interface ForwarderOptions {
  store: ForwardStore;
  destination: Destination;
  /** This collector instance, as the destination's lease names it. */
  owner: string;
  batchSize: number;
  /** How often an idle forwarder looks for new events. */
  pollMs: number;
  retry: RetryOptions;
  /** How long the lease outlives a forwarder that stopped renewing it (a crashed instance); default 30 s. */
  leaseMs?: number;
  clock?: () => Date;
  log?: (message: string) => void;
  /**
   * Forward what is stored, then end, instead of polling for ever: a scheduled run (Workers' cron
   * trigger). It also ends at once when another instance holds the lease.
   */
  drain?: boolean;
  /** How long `stop` lets a delivery in flight finish before cutting it off; default 5 s. */
  stopGraceMs?: number;
}

export interface Forwarder {
  /** Settles when the loop has ended: after `stop`, or in drain mode once nothing is left. */
  done: Promise<void>;
  /**
   * Ends the loop, lets the lease go, closes the destination. A delivery in flight is given the grace period to
   * finish and move the cursor, so a graceful stop sends nothing twice; one cut off is delivered again by
   * whoever forwards next.
   */
  stop(): Promise<void>;
}

/**
 * Delivers a destination's stored events in storage order, a batch at a time: store first, forward
 * after, at least once. A batch is tried until it goes through, or, after the destination's last
 * try or a refusal no retry can mend, kept as a dead letter so that it cannot hold up the rest.
 * Only the holder of the destination's lease forwards it; the other instances wait their turn.
 */
export function startForwarder(options: ForwarderOptions): Forwarder {
  const { store, destination, owner, batchSize, pollMs, retry } = options;
  const id = destination.id;
  const leaseMs = options.leaseMs ?? 30_000;
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((message: string) => console.warn(`[kith] forward ${id}: ${message}`));
  const controller = new AbortController();
  const { signal } = controller;
  // Cut off only after the grace period: aborting a request the destination already took would send it twice.
  const cutOff = new AbortController();

  let holding = false;
  let renewedAt = 0;
  /** Takes the lease, or renews it once a third of it has passed. */
  const holdsLease = async (): Promise<boolean> => {
    if (holding && Date.now() - renewedAt < leaseMs / 3) return true;
    const now = Date.now();
    holding = await store.claimForwarding(id, owner, leaseMs);
    if (holding) renewedAt = now;
    return holding;
  };
  /** Waits, renewing the lease on the way; false when it was lost (another instance forwards now). */
  const waitHolding = async (ms: number): Promise<boolean> => {
    for (let left = ms; left > 0 && !signal.aborted; left -= leaseMs / 3) {
      await sleep(Math.min(left, leaseMs / 3), signal);
      if (!signal.aborted && !(await holdsLease())) return false;
    }
    return !signal.aborted;
  };

  let failing = 0;
  const failed = (what: string) => {
    failing++;
    // The first failure, then each tenth: an outage is told without flooding the log.
    if (failing === 1 || failing % 10 === 0)
      log(`${what} (${failing} failed tr${failing === 1 ? 'y' : 'ies'} in a row; trying again)`);
  };
  const recovered = () => {
    if (failing > 0) log(`delivering again after ${failing} failed tr${failing === 1 ? 'y' : 'ies'}`);
    failing = 0;
  };

  /** One try; the failure, or undefined when the destination took the batch. */
  async function tryDelivery(batch: OutboxEvent[]): Promise<DeliveryError | undefined> {
    try {
      await destination.deliver(
        batch.map((e) => e.event),
        cutOff.signal,
      );
      return undefined;
    } catch (error) {
      return error instanceof DeliveryError ? error : new DeliveryError(String(error), { cause: error });
    }
  }

  /** Delivers one batch, or keeps it as a dead letter; returns once the cursor is past it or the lease is lost. */
  async function forward(batch: OutboxEvent[]): Promise<void> {
    const last = batch.at(-1) as OutboxEvent;
    for (let attempt = 1; ; attempt++) {
      const failure = await tryDelivery(batch);
      if (!failure) {
        recovered();
        // Also when stopping: the destination has the batch, so the cursor must say so.
        // False: the lease went to another instance, or the batch must be read again (see ForwardStore).
        holding = await store.advance(id, owner, last.position);
        return;
      }
      if (signal.aborted) return;
      if (failure.permanent || attempt >= destination.maxAttempts) {
        holding = await store.deadLetter(id, owner, batch, {
          error: failure.message,
          attempts: attempt,
          at: clock().toISOString(),
        });
        if (holding)
          log(
            `kept ${batch.length} events (seq ${batch[0]?.seq}-${last.seq}) as a dead letter after ${attempt} tr${attempt === 1 ? 'y' : 'ies'}: ${failure.message}`,
          );
        return;
      }
      failed(failure.message);
      if (!(await waitHolding(retryDelay(attempt, retry, failure.retryAfterMs)))) return;
    }
  }

  async function run(): Promise<void> {
    let storageFailures = 0;
    while (!signal.aborted) {
      try {
        if (!(await holdsLease())) {
          if (options.drain) return;
          await sleep(Math.max(pollMs, leaseMs / 3), signal);
          continue;
        }
        const batch = await store.pending(id, batchSize);
        storageFailures = 0;
        if (batch.length > 0) await forward(batch);
        else if (options.drain) return;
        else await sleep(pollMs, signal);
      } catch (error) {
        if (signal.aborted) break;
        // Storage out of reach: nothing is lost, the cursor is where it was.
        holding = false;
        storageFailures++;
        failed(`storage: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(retryDelay(storageFailures, retry), signal);
      }
    }
  }

  const running = run();
  return {
    done: running,
    async stop() {
      controller.abort();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.stopGraceMs ?? 5000)));
      await Promise.race([running, grace]);
      clearTimeout(timer);
      cutOff.abort();
      await running;
      await store.releaseForwarding(id, owner).catch(() => {});
      await destination.close().catch(() => {});
    },
  };
}
