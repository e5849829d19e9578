import type { BatchBody, KithEvent } from '../contract.ts';

export interface QueueOptions {
  /** `{host}/v1/batch` */
  url: string;
  writeKey: string;
  flushAt: number;
  flushInterval: number;
}

export interface Queue {
  /** Only events the visitor consented to reach the queue: it sends whatever it holds. */
  push(event: KithEvent): void;
  /** Resolves once the queue is empty or waiting to retry. */
  flush(): Promise<void>;
  /** Drops every event not yet sent, including a batch whose send is still to fail: consent was withdrawn. */
  clear(): void;
}

// fetch's keepalive budget is 64 KiB for all pending requests of a page; leave some room.
const KEEPALIVE_LIMIT = 60000;
const MAX_BACKOFF = 30000;

export function createQueue({ url, writeKey, flushAt, flushInterval }: QueueOptions): Queue {
  const events: KithEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let draining: Promise<void> | undefined;
  let failures = 0;
  // Bumped by clear(), so a batch in flight at the time is not put back when its send fails.
  let generation = 0;

  // A string body goes out as text/plain, a CORS-safelisted type: a cross-origin collector needs
  // no preflight. (A Blob would too, but its bytes are invisible to devtools and test tools.)
  const body = (batch: KithEvent[]) => JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey } satisfies BatchBody);

  const send = async (batch: KithEvent[]) => {
    const data = body(batch);
    try {
      const { status } = await fetch(url, { method: 'POST', body: data, keepalive: new Blob([data]).size < KEEPALIVE_LIMIT });
      // Any other answer would be the same on every retry.
      return status < 500 && status != 429;
    } catch {
      return false;
    }
  };

  const drain = async () => {
    while (events.length) {
      const batch = events.splice(0, flushAt);
      const sentIn = generation;
      if (!(await send(batch))) {
        // Back in front, unchanged: the collector de-duplicates a retried batch by messageId.
        if (sentIn == generation) events.unshift(...batch);
        clearTimeout(timer);
        timer = setTimeout(flush, Math.min(1000 * 2 ** failures++, MAX_BACKOFF));
        return;
      }
      failures = 0;
    }
  };

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    return (draining ??= drain().finally(() => (draining = undefined)));
  }

  // A page may never come back from hidden; sendBeacon outlives it where fetch may not.
  const unload = () => {
    while (events.length && navigator.sendBeacon(url, body(events.slice(0, flushAt)))) events.splice(0, flushAt);
  };
  addEventListener('pagehide', unload);
  addEventListener('visibilitychange', () => {
    if (document.visibilityState == 'hidden') unload();
  });

  return {
    push(event) {
      events.push(event);
      // While backing off, a full batch waits for the retry instead of hammering the collector.
      if (events.length >= flushAt && !failures) void flush();
      else timer ??= setTimeout(flush, flushInterval);
    },
    flush,
    clear() {
      events.length = 0;
      generation++;
    },
  };
}
