// Group commit for returning browsers' batches: the events of requests that wait at the same time go
// into PostgreSQL in one INSERT, one transaction and one WAL flush, and each request is answered
// when that commit returns, so a 2xx still means durably stored. Per request, PostgreSQL's fixed
// cost of a statement and a commit (and the round trip) is paid once per group instead.
import type { StoredEvent, WriteResult } from '../storage.ts';
import { resultOf, storedSeqs, type StoredKey } from '../write-result.ts';
import { storable } from './storable.ts';

/** Runs one INSERT of the events and returns the (site, messageId, seq) of the rows it stored. */
export type InsertEvents = (events: readonly StoredEvent[]) => Promise<readonly StoredKey[]>;

interface Waiting {
  events: readonly StoredEvent[];
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

/**
 * At most `inFlight` INSERTs run at once; requests that arrive meanwhile wait and go together in
 * the next one, up to `maxEvents` events (one request's events are never split). A statement
 * error that is not the server's (a value PostgreSQL refuses) retries each request of the group on
 * its own, so one request's bad event never fails another's.
 */
export function createGroupedInsert(
  insert: InsertEvents,
  isUnreachable: (error: unknown) => boolean,
  limits: { inFlight: number; maxEvents: number },
) {
  const waiting: Waiting[] = [];
  let running = 0;

  async function flush(group: Waiting[]) {
    running++;
    try {
      const stored = await insert(group.flatMap((request) => request.events));
      settle(group, stored);
    } catch (error) {
      if (group.length === 1 || isUnreachable(error)) for (const request of group) request.reject(error);
      else await Promise.all(group.map((request) => flush([request])));
    } finally {
      running--;
      next();
    }
  }

  function next() {
    while (running < limits.inFlight && waiting.length > 0) {
      let events = 0;
      let taken = 0;
      while (taken < waiting.length && (taken === 0 || events + waiting[taken]!.events.length <= limits.maxEvents))
        events += waiting[taken++]!.events.length;
      void flush(waiting.splice(0, taken));
    }
  }

  return (events: readonly StoredEvent[]): Promise<WriteResult> =>
    new Promise((resolve, reject) => {
      waiting.push({ events, resolve, reject });
      next();
    });
}

/** Each stored row counts once, for the first request of the group that sent its key. */
function settle(group: Waiting[], stored: readonly StoredKey[]) {
  const fresh = storedSeqs(stored);
  for (const request of group) request.resolve(resultOf(request.events, fresh, storable));
}
