// The tests share one page: teardown() must end an SDK instance as leaving the page would, or an
// instance of an earlier test sends what a later test stored (test isolation, see lifetime.ts).
import { afterEach, expect, it } from 'vitest';
import type { BatchBody } from '../src/contract.ts';
import { createKith } from '../src/index.ts';
import { recordRequests, resetPage, storeChoice, teardown } from './support.ts';

afterEach(resetPage);

const writeKeys = async (bodies: () => Promise<BatchBody[]>) => (await bodies()).map(({ writeKey }) => writeKey);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('keeps an ended page’s SDK from sending when its batch timer comes due', async () => {
  storeChoice('v=1&a=1&m=0');
  recordRequests();
  const ended = createKith({ writeKey: 'ended', flushInterval: 50 });
  await ended.ready();
  ended.track('Waiting for its batch');
  await ended.ready();
  teardown();

  const { bodies } = recordRequests();
  await sleep(300);
  expect(await writeKeys(bodies)).toEqual([]);
});

it('keeps an ended page’s SDK that waits for the queue’s lock from sending once it is free', async () => {
  storeChoice('v=1&a=1&m=0');
  recordRequests();
  const ended = createKith({ writeKey: 'ended' });
  await ended.ready();
  ended.track('Waiting for the lock');
  // Another tab holds the lock, so the ended page's flush waits for it.
  let release!: () => void;
  await new Promise<void>((granted) =>
    navigator.locks.request('kith-queue', () => (granted(), new Promise<void>((done) => (release = done)))),
  );
  void ended.flush();
  await expect.poll(async () => (await navigator.locks.query()).pending?.length).toBe(1);
  teardown();

  const { bodies } = recordRequests();
  release();
  await sleep(300);
  expect(await writeKeys(bodies)).toEqual([]);
});
