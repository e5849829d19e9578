import type { BatchBody, KithEvent } from '../contract.ts';
import { retryDelay } from './backoff.ts';
import { append, destroy, load, MAX_QUEUED, remove } from './store.ts';

export interface QueueOptions {
  /** `{host}/v1/batch` */
  url: string;
  writeKey: string;
  flushAt: number;
  flushInterval: number;
  /** Whether events may be kept on the device (analytics consent); asked before every write. */
  persists(): boolean;
}

export interface Queue {
  /** Only events the visitor consented to reach the queue: it sends whatever it holds. */
  push(event: KithEvent): void;
  /** Resolves once the queue is empty, offline or waiting to retry. */
  flush(): Promise<void>;
  /** Drops every event not yet sent and deletes the stored queue: consent was withdrawn. */
  clear(): void;
}

// Chromium allows keepalive requests 64 KiB in all per page; a batch leaves room for the body around it.
const KEEPALIVE_BYTES = 65536;
const MAX_BATCH_BYTES = 60000;
const MAX_TRIES = 10;
const STOP = -1;

/** Answered for good: stored (2xx), or refused as it is (4xx), which every retry would repeat. */
const settled = (response?: Response) => response && response.status < 500 && response.status != 429;

const warnDropped = (count: number, why: string) => count && console.warn(`kith: ${count} events dropped, ${why}`);
const FULL = `over the ${MAX_QUEUED} queued`;

const idsOf = (events: KithEvent[]) => new Set(events.map(({ messageId }) => messageId));

export function createQueue({ url, writeKey, flushAt, flushInterval, persists }: QueueOptions): Queue {
  // This page's events not yet known to be sent: the whole queue when nothing may be stored or
  // Web Locks are missing (each tab then sends only its own); else what leaves on unload.
  let mine: KithEvent[] = [];
  const saved = new WeakSet<KithEvent>();
  // This page's writes, in order: a read waits for them, so it finds this page's events.
  let writing: Promise<unknown> = Promise.resolve();
  // On the wire from this page, so no event leaves twice at once.
  const sending = new Set<string>();
  const { locks } = navigator as { locks?: LockManager };
  let adopted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let draining: Promise<void> | undefined;
  let tries = 0;

  // Also what was pushed while nothing could be stored, once it can; and, after a failed write, again.
  const save = async () => {
    const events = mine.filter((event) => !saved.has(event));
    if (!persists() || !events.length) return;
    warnDropped(await append(events), FULL);
    for (const event of events) saved.add(event);
  };

  // Reading, sending and removing under one lock across the site's tabs: none sends what another has in flight.
  const exclusive = (step: () => Promise<number>) => (locks && persists() ? locks.request('kith-queue', step) : step());

  const source = async () => {
    if (!persists() || (!locks && adopted)) return mine;
    const known = new Set(mine);
    await writing;
    // Without IndexedDB (blocked, private mode) the queue still works, in memory.
    const stored = (await load().catch(() => mine)) ?? [];
    const queued = idsOf(stored);
    if (locks) {
      // Another tab sent them: nothing for unload to send again.
      mine = mine.filter((event) => !known.has(event) || queued.has(event.messageId));
      return stored;
    }
    // Without Web Locks each tab sends only its own events, and what an earlier page left, taken on at start.
    adopted = true;
    for (const event of stored) saved.add(event);
    return (mine = stored.concat(mine.filter((event) => !known.has(event))));
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

  // A string body goes out as text/plain, a CORS-safelisted type: a cross-origin collector needs
  // no preflight. (A Blob would too, but its bytes are invisible to devtools and test tools.)
  /** Sends `batch` and hands the answer (none: offline, refused by the browser) to `then`, while its events count as on the wire. */
  const send = async <T>(batch: KithEvent[], then: (response?: Response) => Promise<T>) => {
    const body = JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey } satisfies BatchBody);
    for (const { messageId } of batch) sending.add(messageId);
    try {
      // keepalive lets a send outlive the page; past its budget the browser would refuse it.
      const keepalive = new Blob([body]).size <= KEEPALIVE_BYTES;
      return await then(await fetch(url, { method: 'POST', body, keepalive }).catch(() => undefined));
    } finally {
      for (const { messageId } of batch) sending.delete(messageId);
    }
  };

  const forget = async (batch: KithEvent[]) => {
    const ids = idsOf(batch);
    mine = mine.filter(({ messageId }) => !ids.has(messageId));
    if (persists()) await remove(ids).catch(() => {});
  };

  // One batch: how long to wait before the next (0: at once), or STOP when empty or offline.
  const sendNext = async () => {
    const batch = take(await source());
    return batch.length
      ? send(batch, async (response) => {
          if (settled(response)) {
            if (!response!.ok) warnDropped(batch.length, `refused with HTTP ${response!.status}`);
          } else if (!navigator.onLine) {
            // Not the collector's failure, so no try is used up: the online event resumes.
            return STOP;
          } else if (++tries < MAX_TRIES) {
            return retryDelay(tries, response?.headers.get('retry-after'));
          } else {
            warnDropped(batch.length, `unsent after ${MAX_TRIES} tries`);
          }
          tries = 0;
          await forget(batch);
          return 0;
        })
      : STOP;
  };

  const drain = async () => {
    // Offline, a send can only fail: the online event resumes.
    while (navigator.onLine) {
      const wait = await exclusive(sendNext);
      if (wait == STOP) return;
      if (wait) {
        clearTimeout(timer);
        timer = setTimeout(flush, wait);
        return;
      }
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
    for (let batch; (batch = take(mine)).length; ) {
      const sent = batch;
      void send(sent, async (response) => {
        if (response?.ok) await forget(sent);
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
