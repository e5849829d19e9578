import type { BatchBody, BatchResponse, KithEvent } from '../contract.ts';
import { retryDelay } from './backoff.ts';
import { post } from './post.ts';
import { append, destroy, load, MAX_QUEUED, remove } from './store.ts';

export interface QueueOptions {
  /** `{host}/v1/batch` */
  url: string;
  writeKey: string;
  flushAt: number;
  flushInterval: number;
  /** Whether events may be kept on the device (analytics consent); asked before every write. */
  persists(): boolean;
  /** `BatchBody.restore` for the next batch, if any; the 200 answer to a batch with it goes to `restored`. */
  restore?(): string | undefined;
  restored?(restore: string, answer: Partial<BatchResponse>): void;
}

export interface Queue {
  /** Only events the visitor consented to reach the queue: it sends whatever it holds. */
  push(event: KithEvent): void;
  /** Resolves once the queue is empty, offline or waiting to retry. */
  flush(): Promise<void>;
  /** Drops every event not yet sent and deletes the stored queue: consent was withdrawn. */
  clear(): void;
}

// A batch leaves room for the body around it within a keepalive request's 64 KiB (see post.ts).
const MAX_BATCH_BYTES = 60000;
const MAX_TRIES = 10;

/** Says what was lost and why; also for the events held before a consent choice. */
export const warnDropped = (count: number, why: string) =>
  count && console.warn(`kith: ${count} events dropped, ${why}`);
const FULL = `over the ${MAX_QUEUED} queued`;

const idsOf = (events: KithEvent[]) => new Set(events.map(({ messageId }) => messageId));

export function createQueue({
  url,
  writeKey,
  flushAt,
  flushInterval,
  persists,
  restore,
  restored,
}: QueueOptions): Queue {
  // This page's events not yet known to be sent: the whole queue when nothing may be stored, else
  // what leaves on unload.
  let mine: KithEvent[] = [];
  const saved = new WeakSet<KithEvent>();
  // This page's writes, in order: a read waits for them, so it finds this page's events.
  let writing: Promise<unknown> = Promise.resolve();
  // On the wire from this page, so no event leaves twice at once.
  const sending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let draining: Promise<void> | undefined;
  let tries = 0;

  // Also what was pushed while nothing could be stored, once it can; and, after a failed write, again.
  const save = async () => {
    const events = mine.filter((event) => !saved.has(event));
    if (persists() && events.length) {
      warnDropped(await append(events), FULL);
      for (const event of events) saved.add(event);
    }
  };

  // The stored queue is shared by the site's tabs: what another tab sent is gone from it, and so
  // nothing for this page's unload to send again.
  const source = async () => {
    if (!persists()) return mine;
    const known = new Set(mine);
    await writing;
    // Without IndexedDB (blocked, private mode) the queue still works, in memory.
    const stored = (await load().catch(() => mine)) ?? [];
    const queued = idsOf(stored);
    mine = mine.filter((event) => !known.has(event) || queued.has(event.messageId));
    return stored;
  };

  /** The first events not already on the wire, within flushAt and the byte budget. */
  const take = (events: KithEvent[]) => {
    const batch: KithEvent[] = [];
    let bytes = 0;
    for (const event of events) {
      if (sending.has(event.messageId)) continue;
      bytes += new Blob([JSON.stringify(event)]).size + 1;
      if (batch.length == flushAt || (batch.length && bytes > MAX_BATCH_BYTES)) break;
      batch.push(event);
    }
    return batch;
  };

  /** Sends `batch` and hands the answer (none: offline, refused by the browser) to `then`, while its events count as on the wire. */
  const send = async <T>(batch: KithEvent[], then: (response?: Response) => Promise<T>) => {
    const restoring = restore?.();
    const ids = idsOf(batch);
    ids.forEach((id) => sending.add(id));
    try {
      const body: BatchBody = { batch, sentAt: new Date().toISOString(), writeKey, restore: restoring };
      const response = await post(url, body).catch(() => undefined);
      if (restoring && response?.status == 200) restored?.(restoring, await response.json().catch(() => ({})));
      return await then(response);
    } finally {
      ids.forEach((id) => sending.delete(id));
    }
  };

  const forget = async (batch: KithEvent[]) => {
    const ids = idsOf(batch);
    mine = mine.filter(({ messageId }) => !ids.has(messageId));
    if (persists()) await remove(ids).catch(() => {});
  };

  // One batch: how long to wait before the next (0: at once), or undefined when empty or offline.
  const sendNext = async () => {
    const batch = take(await source());
    if (batch.length) {
      return send(batch, async (response) => {
        const status = response?.status ?? 500;
        // Answered for good: stored (2xx), or refused as it is (4xx), which every retry would repeat.
        if (status < 500 && status != 429) {
          if (!response!.ok) warnDropped(batch.length, `refused with HTTP ${status}`);
        } else if (!navigator.onLine) {
          // Not the collector's failure, so no try is used up: the online event resumes.
          return;
        } else if (++tries < MAX_TRIES) {
          return retryDelay(tries, response?.headers.get('retry-after'));
        } else {
          warnDropped(batch.length, `unsent after ${MAX_TRIES} tries`);
        }
        tries = 0;
        await forget(batch);
        return 0;
      });
    }
  };

  // Reading, sending and removing under one lock across the site's tabs: none sends what another
  // has in flight. (Web Locks exist wherever crypto.randomUUID does, but in Firefox 95; there two
  // tabs may send an event twice, which the collector stores once.)
  const exclusive = () => {
    const { locks } = navigator as { locks?: LockManager };
    return locks && persists() ? locks.request('kith-queue', sendNext) : sendNext();
  };

  const drain = async () => {
    let wait: number | undefined = 0;
    // Offline, a send can only fail: the online event resumes.
    while (wait === 0 && navigator.onLine) wait = await exclusive();
    if (wait) {
      clearTimeout(timer);
      timer = setTimeout(flush, wait);
    }
  };

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    return (draining ??= drain().finally(() => (draining = undefined)));
  }

  // A page may never come back from hidden: what it holds leaves now, in keepalive requests that
  // outlive it. What they confirm while the page lives is forgotten; the rest stays stored for
  // the next page, and the collector drops what it already has by messageId.
  const unload = () => {
    // Each turn has a `batch` of its own, which its answer forgets.
    for (let batch; (batch = take(mine)).length;) {
      void send(batch, async (response) => {
        if (response?.ok) await forget(batch);
      });
    }
  };
  addEventListener('pagehide', unload);
  addEventListener('visibilitychange', () => {
    if (document.visibilityState == 'hidden') unload();
  });
  addEventListener('online', flush);

  return {
    push(event) {
      // One stored is still in the store, which counts what goes from there.
      if (mine.push(event) > MAX_QUEUED && !saved.has(mine.shift()!)) warnDropped(1, FULL);
      writing = writing.then(save).catch(() => {});
      // While backing off, a full batch waits for the retry instead of hammering the collector.
      if (mine.length >= flushAt && !tries) void flush();
      else timer ??= setTimeout(flush, flushInterval);
    },
    flush,
    clear() {
      mine = [];
      destroy();
    },
  };
}
