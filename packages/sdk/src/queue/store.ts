// The queue on the device: one IndexedDB record, shared by the site's tabs. Only ever opened
// with analytics consent; deleted with it. Hand-written: a connection per use is all it needs,
// which is less than any wrapper library brings along.
import type { KithEvent } from '../contract.ts';

const DATABASE = 'kith';
const STORE = 'queue';
const KEY = 'events';

/** Events kept at most; past it the oldest go, counted. */
export const MAX_QUEUED = 1000;

const done = <T>(request: IDBRequest<T> | IDBTransaction) =>
  new Promise<T>((resolve, reject) => {
    const target = request as IDBRequest<T> & IDBTransaction;
    target.onsuccess = target.oncomplete = () => resolve(target.result);
    target.onerror = target.onabort = () => reject(target.error);
  });

// A connection per use, closed once its transaction ends (close() waits for it): a connection
// left open would block the deletion of the database on withdrawal, from this tab or another.
const use = async <T>(mode: IDBTransactionMode, callback: (store: IDBObjectStore) => Promise<T>) => {
  const request = indexedDB.open(DATABASE);
  // A read finds nothing in a database that does not exist yet, and does not make one.
  request.onupgradeneeded = () =>
    mode == 'readonly' ? request.transaction!.abort() : request.result.createObjectStore(STORE);
  const db = await done(request);
  const result = callback(db.transaction(STORE, mode).objectStore(STORE));
  db.close();
  return result;
};

export const load = () => use('readonly', (store) => done<KithEvent[] | undefined>(store.get(KEY)));

/** Reads and writes the queue in one transaction, so tabs writing at once lose nothing. */
const change = (next: (stored: KithEvent[]) => KithEvent[]) =>
  use('readwrite', (store) => {
    const request = store.get(KEY);
    request.onsuccess = () => store.put(next(request.result ?? []), KEY);
    return done(store.transaction);
  });

/** Adds `events` after the stored ones; resolves to how many of the oldest went. */
export async function append(events: KithEvent[]): Promise<number> {
  let dropped = 0;
  await change((stored) => {
    const all = stored.concat(events);
    dropped = Math.max(all.length - MAX_QUEUED, 0);
    return all.slice(dropped);
  });
  return dropped;
}

export const remove = (messageIds: Set<string>) =>
  change((stored) => stored.filter(({ messageId }) => !messageIds.has(messageId)));

/** Deletes the database itself, so not even an empty one is left after a withdrawal. */
export const destroy = () => indexedDB.deleteDatabase(DATABASE);
