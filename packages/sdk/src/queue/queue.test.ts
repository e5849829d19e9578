import { afterEach, expect, it, vi } from 'vitest';
import type { KithEvent } from '../contract.ts';
import { recordRequests, resetPage, single } from '../testing.ts';
import { createQueue } from './queue.ts';

afterEach(resetPage);

let count = 0;
const event = (): KithEvent => ({ type: 'track', event: `Event ${++count}`, messageId: `m${count}`, timestamp: new Date().toISOString() });
const queue = (options: { flushAt?: number; flushInterval?: number } = {}) =>
  createQueue({ url: '/v1/batch', writeKey: 'wk', flushAt: 3, flushInterval: 2000, ...options });

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
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
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

it('keeps each messageId and timestamp across retries after failed sends', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const { requests, bodies } = recordRequests('offline', 503, 429, 200);
  const events = [event(), event()];
  const { push, flush } = queue();
  for (const queued of events) push(queued);
  await flush();
  expect(requests).toHaveLength(1);
  // Backs off 1 s, 2 s, 4 s.
  await vi.advanceTimersByTimeAsync(1000);
  expect(requests).toHaveLength(2);
  await vi.advanceTimersByTimeAsync(1999);
  expect(requests).toHaveLength(2);
  await vi.advanceTimersByTimeAsync(1);
  await vi.advanceTimersByTimeAsync(4000);
  await flush();

  expect((await bodies()).map(({ batch }) => batch)).toEqual([events, events, events, events]);
});

it('drops a batch the collector refuses for good', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const { requests } = recordRequests(400);
  const { push, flush } = queue();
  push(event());
  await flush();
  await vi.advanceTimersByTimeAsync(60000);

  expect(requests).toHaveLength(1);
});

it.each([
  ['pagehide', () => dispatchEvent(new PageTransitionEvent('pagehide'))],
  [
    'visibilitychange to hidden',
    () => {
      vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    },
  ],
])('hands what is queued to sendBeacon on %s', async (_, leave) => {
  const { requests, bodies } = recordRequests();
  const events = [event(), event()];
  const { push, flush } = queue({ flushInterval: 60000 });
  for (const queued of events) push(queued);
  leave();
  await flush();

  const { via, url, body } = single(requests);
  // A string beacon goes out as text/plain;charset=UTF-8 (no preflight), per the Beacon spec.
  expect({ via, url, type: typeof body }).toEqual({ via: 'beacon', url: '/v1/batch', type: 'string' });
  expect(single(await bodies())).toEqual({ batch: events, sentAt: expect.any(String), writeKey: 'wk' });
});

it('drops what is queued on clear, and does not put back a batch in flight whose send then fails', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
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
