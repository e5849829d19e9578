import type { ForwardStore } from '../storage/storage.ts';
import type { Destination } from './destination.ts';

export interface ReplayResult {
  /** Dead letters delivered, and so removed. */
  replayed: number;
  /** The first that failed again: it and the ones after it are kept. */
  failed?: { id: number; error: string };
}

/**
 * Sends a destination's dead letters again, oldest first, one try each, and removes each one
 * delivered. Stops at the first failure, so that a destination still down keeps every letter.
 */
export async function replayDeadLetters(
  store: ForwardStore,
  destination: Destination,
  limit = 100,
): Promise<ReplayResult> {
  let replayed = 0;
  const signal = new AbortController().signal;
  for (const letter of await store.deadLetters(destination.id, limit)) {
    try {
      await destination.deliver(
        letter.events.map((e) => e.event),
        signal,
      );
    } catch (error) {
      return { replayed, failed: { id: letter.id, error: error instanceof Error ? error.message : String(error) } };
    }
    await store.removeDeadLetter(letter.id);
    replayed++;
  }
  return { replayed };
}
