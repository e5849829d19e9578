// Exits on erasure. GDPR Art. 17(2) and 19 ask the controller to tell those it disclosed data to that
// the person was erased, and Kith promises that erased data cannot be read back from any file it keeps.
// Both hold this way: the erased person leaves every audience and their stage, and the exits, naming
// only the IDs the entries already gave the recipients, go to the forwarders through the outbox like
// any other event (at least once). Once every destination has them, delivered or kept as a dead
// letter, they are deleted (Storage.purgeErasureExits), so nothing of the person remains.
import type { ForwardConfig } from '../config.ts';
import { destinationsOf } from '../forward/index.ts';
import type { Storage, StoredEvent } from '../storage/storage.ts';
import {
  AUDIENCE_ENTERED,
  AUDIENCE_EXITED,
  COMPUTED_CONTEXT,
  STAGE_CHANGED,
  changeId,
  latestChanges,
  markOf,
  type ComputedMark,
} from './reconcile.ts';

/** How often the exits still waiting for a forwarder are looked for (an index finds them, see migration 7). */
export const PURGE_CHECK_MS = 1000;

/** The storage IDs of the destinations every event goes to ("nats", "webhook:<id>"). */
export const forwardingDestinations = (config: ForwardConfig | undefined): string[] =>
  config ? destinationsOf(config).map((destination) => destination.id) : [];

/**
 * The exits that end what the person's stored change events announced: Audience Exited for each
 * audience they are in, and a stage change to none. Each names the person as the entry it answers did.
 */
export function erasureExits(site: string, events: StoredEvent[], now: Date): StoredEvent[] {
  const at = now.toISOString();
  const exits: StoredEvent[] = [];
  for (const [slot, { seq, event: held }] of latestChanges(events)) {
    const entered = slot.startsWith('audience:') && held.event === AUDIENCE_ENTERED;
    const staged = slot === 'stage' && held.properties?.stage_key != null;
    if (!entered && !staged) continue;
    const mark = markOf(held) as ComputedMark;
    const value = entered ? false : null;
    const exit: StoredEvent = {
      type: 'track',
      event: entered ? AUDIENCE_EXITED : STAGE_CHANGED,
      properties: entered
        ? { audience_key: slot.slice('audience:'.length), reason: 'erasure' }
        : { stage_key: null, previous_stage_key: held.properties!.stage_key, reason: 'erasure' },
      site,
      messageId: changeId(site, mark.personId, slot, value, seq + 1),
      timestamp: at,
      receivedAt: at,
      context: {
        [COMPUTED_CONTEXT]: {
          computed: true,
          erasure: true,
          slot,
          seq: seq + 1,
          personId: mark.personId,
          userIds: mark.userIds,
          anonymousIds: mark.anonymousIds,
        } satisfies ComputedMark,
      },
    };
    if (held.userId !== undefined) exit.userId = held.userId;
    if (held.anonymousId !== undefined) exit.anonymousId = held.anonymousId;
    exits.push(exit);
  }
  return exits;
}

/** Deletes delivered erasure exits every second; one look at start finds those a stopped collector left. */
export function startErasurePurge(storage: Storage, destinations: string[]): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  // A look still running when the next is due (a slow database) is not joined by another.
  const purge = () => {
    running ??= storage
      .purgeErasureExits(destinations)
      .catch((error: unknown) => console.error('kith: deleting delivered erasure exits failed', error))
      .finally(() => (running = null));
  };
  purge();
  const timer = setInterval(purge, PURGE_CHECK_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
