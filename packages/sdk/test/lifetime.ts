// The tests run many SDK instances, one after another, in one page. Leaving a page ends whatever
// its scripts had started, and teardown() ends each test's "page" the same way: what an instance
// scheduled or was waiting for when its page ended (a timer, a frame, an IndexedDB result, the
// queue's Web Lock, an answer from the collector) never wakes it. Otherwise an instance of an
// earlier test, part-way through sending, would read the queue a later test stored and send it.
import { vi } from 'vitest';

let page = 0;
const never = new Promise<never>(() => {});
let endPage!: () => void;
let pageEnd = new Promise<void>((resolve) => (endPage = resolve));

/**
 * `callback`, as long as the page it was made on lasts; after that, `gone` instead (by default
 * nothing). `this` is passed on, as IndexedDB handlers read it.
 */
function whileOnPage<A extends unknown[], R>(callback: (...args: A) => R, gone?: (this: never, ...args: A) => unknown) {
  const made = page;
  return function (this: unknown, ...args: A) {
    return made == page ? callback.apply(this, args) : gone?.apply(this as never, args);
  };
}

/** `promise`, or never settled once the page that waited for it has ended. */
export function onThisPage<T>(promise: Promise<T>): Promise<T> {
  const made = page;
  return promise.then(
    (value) => (made == page ? value : never),
    (error: unknown) => (made == page ? Promise.reject(error) : never),
  );
}

const { setTimeout: setTimer, requestAnimationFrame: onFrame, fetch: realFetch } = window;
window.setTimeout = ((handler: TimerHandler, ...rest: unknown[]) =>
  setTimer(
    typeof handler == 'function' ? whileOnPage(handler as (...args: unknown[]) => unknown) : handler,
    ...(rest as [number]),
  )) as typeof setTimeout;
window.requestAnimationFrame = (callback) => onFrame(whileOnPage(callback));
// What the tests do not answer themselves goes out for real (to the test server).
window.fetch = (...args) => onThisPage(realFetch(...args));

// A result for an ended page is dropped; a database it opened is closed, as leaving the page
// would, or it would hold up deleting the database. (Upgrades still run: a database without its
// object store would break the next page.)
function closeIfOpened(this: IDBRequest) {
  if (this.readyState == 'done' && this.result instanceof IDBDatabase) this.result.close();
}
const handlers: [object, string[]][] = [
  [IDBRequest.prototype, ['onsuccess', 'onerror']],
  [IDBTransaction.prototype, ['oncomplete', 'onerror', 'onabort']],
];
for (const [prototype, names] of handlers) {
  for (const name of names) {
    const { get, set } = Object.getOwnPropertyDescriptor(prototype, name)!;
    Object.defineProperty(prototype, name, {
      configurable: true,
      enumerable: true,
      get,
      set(this: object, handler: ((...args: unknown[]) => unknown) | null) {
        set!.call(this, handler && whileOnPage(handler, closeIfOpened));
      },
    });
  }
}

// A page's locks go with it, even those held by work it will never finish; one granted after it
// ended is given back at once, unused.
const requestLock = LockManager.prototype.request as (
  this: LockManager,
  name: string,
  ...rest: unknown[]
) => Promise<unknown>;
LockManager.prototype.request = function (this: LockManager, name: string, ...rest: unknown[]) {
  const callback = rest.pop() as LockGrantedCallback<unknown>;
  const ended = pageEnd;
  return requestLock.call(
    this,
    name,
    ...rest,
    whileOnPage((lock: Lock | null) => Promise.race([callback(lock), ended])),
  );
} as typeof LockManager.prototype.request;

// What an SDK instance listens to on the window goes with its page.
const SDK_EVENTS = ['pagehide', 'visibilitychange', 'online', 'popstate', 'hashchange'];
const listening: [string, EventListenerOrEventListenerObject][] = [];
const addListener = window.addEventListener;
window.addEventListener = function (
  this: Window,
  type: string,
  listener: EventListenerOrEventListenerObject,
  options?: boolean | AddEventListenerOptions,
) {
  if (SDK_EVENTS.includes(type)) listening.push([type, listener]);
  addListener.call(this, type, listener, options);
} as typeof window.addEventListener;
const { pushState, replaceState } = history;

/** Ends the page of the SDK instances created so far, as a reload would: nothing they started goes on. */
export function teardown() {
  page++;
  endPage();
  pageEnd = new Promise((resolve) => (endPage = resolve));
  for (const [type, listener] of listening.splice(0)) removeEventListener(type, listener);
  // Fake timers are not the page's: they go at once.
  vi.clearAllTimers();
  Object.assign(history, { pushState, replaceState });
}
