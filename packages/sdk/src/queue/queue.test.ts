import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KithEvent } from '../contract.ts';
import { offline, recordRequests, resetPage, single, storedIds, teardown } from '../../test/support.ts';
import { createQueue, type QueueOptions } from './queue.ts';

afterEach(resetPage);

let count = 0;
const event = (properties?: Record<string, unknown>): KithEvent => ({
  type: 'track',
  event: `Event ${++count}`,
  messageId: `m${count}`,
  timestamp: new Date().toISOString(),
  properties,
});
const queue = (options: Partial<QueueOptions> = {}) =>
  createQueue({ url: '/v1/batch', writeKey: 'wk', flushAt: 3, flushInterval: 2000, persists: () => false, ...options });
const stored = (options: Partial<QueueOptions> = {}) => queue({ persists: () => true, ...options });
const ids = (events: KithEvent[]) => events.map(({ messageId }) => messageId);
const sentIds = async (bodies: () => Promise<{ batch: KithEvent[] }[]>) =>
  (await bodies()).flatMap(({ batch }) => ids(batch));
const hide = () => dispatchEvent(new PageTransitionEvent('pagehide'));
const fakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });

describe('batching', () => {
  it('sends a batch as soon as flushAt events are queued', async () => {
    const { requests, bodies } = recordRequests();
    const events = [event(), event(), event(), event()];
    const { push, flush } = queue({ flushInterval: 60000 });
    for (const queued of events.slice(0, 2)) push(queued);
    expect(requests).toEqual([]);
    for (const queued of events.slice(2)) push(queued);
    await flush();

    expect((await bodies()).map(({ batch }) => batch)).toEqual([events.slice(0, 3), events.slice(3)]);
  });

  it('sends what is queued flushInterval ms after the first event', async () => {
    fakeTimers();
    const { requests, bodies } = recordRequests();
    const events = [event(), event()];
    const { push } = queue();
    push(events[0]!);
    await vi.advanceTimersByTimeAsync(1500);
    push(events[1]!);
    await vi.advanceTimersByTimeAsync(499);
    expect(requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(single(await bodies()).batch).toEqual(events);
  });

  it('keeps every batch within 60 KB, so it fits a keepalive request', async () => {
    const { requests, bodies } = recordRequests();
    const events = [
      event({ text: 'a'.repeat(25000) }),
      event({ text: 'b'.repeat(25000) }),
      event({ text: 'c'.repeat(25000) }),
    ];
    const { push, flush } = queue({ flushAt: 15 });
    for (const queued of events) push(queued);
    await flush();

    expect((await bodies()).map(({ batch }) => ids(batch))).toEqual([ids(events.slice(0, 2)), ids(events.slice(2))]);
    expect(requests.map(({ init, body }) => [init?.keepalive, new Blob([body]).size < 65536])).toEqual([
      [true, true],
      [true, true],
    ]);
  });
});

describe('retries', () => {
  it('backs off with full jitter, keeping each messageId and timestamp', async () => {
    fakeTimers();
    // Full jitter: a random share of min(60 s, 1 s · 2^(tries-1)); here always half of it.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { requests, bodies } = recordRequests('offline', 503, 500, 200);
    const events = [event(), event()];
    const { push, flush } = queue();
    for (const queued of events) push(queued);
    await flush();
    for (const delay of [500, 1000, 2000]) {
      const before = requests.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(requests).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(requests).toHaveLength(before + 1);
    }

    expect((await bodies()).map(({ batch }) => batch)).toEqual([events, events, events, events]);
  });

  it.each([
    [429, 'seconds', () => '7', 7000],
    [503, 'an HTTP date', () => new Date(Date.now() + 90000).toUTCString(), 90000],
  ])('waits on %i as long as Retry-After says in %s', async (status, _, retryAfter, delay) => {
    fakeTimers();
    // Whole seconds, as HTTP dates have them.
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const { requests } = recordRequests(new Response('{}', { status, headers: { 'retry-after': retryAfter() } }));
    const { push, flush } = queue();
    push(event());
    await flush();
    await vi.advanceTimersByTimeAsync(delay - 1);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2);
  });

  it('drops a batch after 10 tries, says so, and goes on with the next', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { requests, bodies } = recordRequests(...Array<number>(10).fill(503));
    const [lost, next] = [event(), event()];
    const { push, flush } = queue({ flushAt: 1 });
    push(lost);
    await flush();
    push(next);
    await flush();

    expect(requests).toHaveLength(11);
    expect(await sentIds(bodies)).toEqual([...Array<string>(10).fill(lost.messageId), next.messageId]);
    expect(warn.mock.calls).toEqual([['kith: 1 events dropped, unsent after 10 tries']]);
  });

  it('drops a batch the collector refuses for good, and says so', async () => {
    fakeTimers();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { requests } = recordRequests(400);
    const { push, flush } = stored();
    push(event());
    await flush();
    await vi.advanceTimersByTimeAsync(60000);

    expect(requests).toHaveLength(1);
    expect(await storedIds()).toEqual([]);
    expect(warn.mock.calls).toEqual([['kith: 1 events dropped, refused with HTTP 400']]);
  });

  it('tries nothing while the browser is offline, and sends on the online event', async () => {
    fakeTimers();
    const { requests, bodies } = recordRequests();
    const online = offline();
    const events = [event(), event()];
    const { push, flush } = queue();
    for (const queued of events) push(queued);
    await flush();
    await vi.advanceTimersByTimeAsync(600000);
    expect(requests).toEqual([]);
    online();
    await flush();

    expect(single(await bodies()).batch).toEqual(events);
  });

  it('uses up no try when the connection drops during a send', async () => {
    fakeTimers();
    const { requests } = recordRequests('offline');
    let online = () => {};
    vi.spyOn(globalThis, 'fetch').mockImplementationOnce(async () => {
      online = offline();
      throw new TypeError('Failed to fetch');
    });
    const { push, flush } = queue();
    push(event());
    await flush();
    await vi.advanceTimersByTimeAsync(600000);
    online();
    await flush();

    // The failed send was the mocked one: the retry on `online` is the first recorded, sent at once.
    expect(requests).toHaveLength(1);
  });
});

describe('the stored queue', () => {
  it('writes nothing while it may not, and deletes the database on clear', async () => {
    let persists = false;
    const { requests } = recordRequests();
    offline();
    const { push, flush, clear } = queue({ persists: () => persists });
    push(event());
    await flush();
    expect(await indexedDB.databases()).toEqual([]);
    persists = true;
    push(event());
    await flush();
    await expect.poll(async () => (await storedIds()).length).toBe(2);
    persists = false;
    clear();

    await expect.poll(async () => await indexedDB.databases()).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('keeps at most 1000 events, dropping the oldest, and says how many', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    recordRequests();
    offline();
    const events = Array.from({ length: 1003 }, () => event());
    const { push } = stored({ flushAt: 2000 });
    for (const queued of events.slice(0, 1000)) push(queued);
    await expect.poll(async () => (await storedIds()).length).toBe(1000);
    for (const queued of events.slice(1000)) push(queued);

    await expect.poll(() => warn.mock.calls).toEqual([['kith: 3 events dropped, over the 1000 queued']]);
    expect(await storedIds()).toEqual(ids(events.slice(3)));
  });

  it('holds at most 1000 events in memory when nothing may be stored', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { bodies } = recordRequests();
    const online = offline();
    const events = Array.from({ length: 1002 }, () => event());
    const { push, flush } = queue({ flushAt: 2000 });
    for (const queued of events) push(queued);
    online();
    await flush();

    expect(await sentIds(bodies)).toEqual(ids(events.slice(2)));
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('leaves for the next page what could not be sent, which sends it once', async () => {
    recordRequests('offline');
    const events = [event(), event(), event()];
    const first = stored();
    for (const queued of events) first.push(queued);
    await first.flush();
    await expect.poll(storedIds).toEqual(ids(events));
    teardown();

    const { bodies } = recordRequests();
    const next = stored();
    await next.flush();

    expect(await sentIds(bodies)).toEqual(ids(events));
    expect(await storedIds()).toEqual([]);
  });

  it('removes from the stored queue only what the collector acknowledged', async () => {
    recordRequests(503, 200);
    const [failed, acknowledged] = [event(), event()];
    const { push, flush } = stored({ flushAt: 1 });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    push(failed);
    push(acknowledged);
    await flush();

    expect(await storedIds()).toEqual([]);
  });

  it('drops what is queued on clear, and does not put back a batch in flight whose send then fails', async () => {
    fakeTimers();
    const { bodies } = recordRequests('offline');
    const [inFlight1, inFlight2, queued, afterClear] = [event(), event(), event(), event()];
    const { push, flush, clear } = queue({ flushAt: 2 });
    push(inFlight1);
    push(inFlight2);
    push(queued);
    clear();
    push(afterClear);
    await flush();
    await vi.advanceTimersByTimeAsync(60000);

    expect((await bodies()).map(({ batch }) => batch)).toEqual([[inFlight1, inFlight2], [afterClear]]);
  });
});

describe('several tabs', () => {
  /** A collector that takes a while to answer, so that the tabs' sends overlap. */
  const slowCollector = () => {
    const { requests, bodies } = recordRequests();
    const answer = vi.mocked(fetch).getMockImplementation()!;
    vi.mocked(fetch).mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return answer(...args);
    });
    return { requests, bodies };
  };

  it('share one stored queue through Web Locks and send every event exactly once', async () => {
    const { bodies } = slowCollector();
    const tabs = [stored({ flushAt: 4 }), stored({ flushAt: 4 })];
    const events = Array.from({ length: 30 }, () => event());
    events.forEach((queued, i) => tabs[i % 2]!.push(queued));
    await Promise.all(tabs.map(({ flush }) => flush()));
    await Promise.all(tabs.map(({ flush }) => flush()));

    const sent = await sentIds(bodies);
    expect(sent.toSorted()).toEqual(ids(events).toSorted());
    expect(await storedIds()).toEqual([]);
  });

  // Web Locks exist wherever crypto.randomUUID does, but in Firefox 95: there tabs share the stored
  // queue without a lock and may send an event twice, which the collector stores once by messageId.
  it('without Web Locks still send every event, and what the last page left, each at least once', async () => {
    Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
    try {
      recordRequests('offline');
      const left = event();
      const gone = stored();
      gone.push(left);
      await gone.flush();
      await expect.poll(storedIds).toEqual([left.messageId]);
      teardown();

      const { bodies } = slowCollector();
      const tabs = [stored({ flushAt: 4 }), stored({ flushAt: 4 })];
      await tabs[0]!.flush();
      await tabs[1]!.flush();
      const events = Array.from({ length: 10 }, () => event());
      events.forEach((queued, i) => tabs[i % 2]!.push(queued));
      await Promise.all(tabs.map(({ flush }) => flush()));

      expect(new Set(await sentIds(bodies))).toEqual(new Set(ids([left, ...events])));
      expect(await storedIds()).toEqual([]);
    } finally {
      delete (navigator as { locks?: unknown }).locks;
    }
  });
});

describe('leaving the page', () => {
  it.each([
    ['pagehide', hide],
    [
      'visibilitychange to hidden',
      () => {
        vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
      },
    ],
  ])('sends what is queued at once on %s, in keepalive requests that outlive the page', async (_, leave) => {
    const { requests, bodies } = recordRequests();
    const events = [event(), event(), event(), event()];
    const { push, flush } = queue({ flushAt: 3, flushInterval: 60000 });
    for (const queued of events.slice(0, 2)) push(queued);
    leave();
    expect(requests.map(({ via, url, init }) => [via, url, init?.keepalive])).toEqual([['fetch', '/v1/batch', true]]);
    await flush();

    // A string body goes out as text/plain;charset=UTF-8: no CORS preflight.
    expect(typeof single(requests).body).toBe('string');
    expect(single(await bodies())).toEqual({ batch: events.slice(0, 2), sentAt: expect.any(String), writeKey: 'wk' });
  });

  it('keeps stored what leaves unanswered, for the next page to send again', async () => {
    let answer = (_: Response) => {};
    recordRequests();
    vi.mocked(fetch).mockImplementation(() => new Promise((resolve) => (answer = resolve)));
    const events = [event(), event()];
    const { push } = stored({ flushInterval: 60000 });
    for (const queued of events) push(queued);
    await expect.poll(storedIds).toEqual(ids(events));
    hide();
    // Counted by this test's events: a real timer left by an earlier test's instance may also call fetch.
    const carrying = vi
      .mocked(fetch)
      .mock.calls.filter(([, init]) => String(init?.body).includes(events[0]!.messageId));
    expect(carrying).toHaveLength(1);
    // Unanswered (the page is gone): still stored.
    expect(await storedIds()).toEqual(ids(events));
    // The page lived on and the collector acknowledged: forgotten.
    answer(new Response('{}'));
    await expect.poll(storedIds).toEqual([]);
  });
});
