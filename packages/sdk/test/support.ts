// Shared by the tests: what the SDK sent, what it left on the device, and a clean page.
import { commands } from 'vitest/browser';
import { expect, vi } from 'vitest';
import type { BatchBody } from '../src/contract.ts';
import { forgetCookies } from '../src/cookie.ts';
import { onThisPage, teardown } from './lifetime.ts';

export { teardown };

export interface Request {
  via: 'fetch' | 'beacon';
  url: string;
  init?: RequestInit;
  body: string;
}

/**
 * Stands in for the collector: records every fetch and beacon, answers fetches in turn with
 * the given statuses or responses ('offline' rejects like a network error), then with 200.
 */
export function recordRequests(...answers: (number | Response | 'offline')[]) {
  const requests: Request[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation((url, init) => {
    requests.push({ via: 'fetch', url: String(url), init, body: init?.body as string });
    const answer = answers.shift() ?? 200;
    if (answer == 'offline') return onThisPage(Promise.reject(new TypeError('Failed to fetch')));
    return onThisPage(Promise.resolve(answer instanceof Response ? answer : new Response('{}', { status: answer })));
  });
  vi.spyOn(navigator, 'sendBeacon').mockImplementation((url, body) => {
    requests.push({ via: 'beacon', url: String(url), body: body as string });
    return true;
  });
  return {
    requests,
    bodies: async () => requests.map(({ body }) => JSON.parse(body) as BatchBody),
  };
}

/** The one item of `items`, failing the test if there are more or none. */
export function single<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

/** Everything a script can leave on the device. */
export async function deviceStorage() {
  return {
    cookie: document.cookie,
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).map((database) => database.name),
  };
}

/** The cookies of this page's host, with what document.cookie does not show (expiry, flags). */
export const cookies = async () => (await commands.cookies()).filter(({ domain }) => domain == location.hostname);

/** The banner's dialog, buttons (in the order built) and switches (by category), if it is shown. */
export function banner() {
  const host = document.querySelector('kith-consent');
  const root = host?.shadowRoot ?? undefined;
  const dialog = root?.querySelector<HTMLElement>('[role=dialog]') ?? undefined;
  const [accept, reject, settings, save] = root?.querySelectorAll('button') ?? [];
  const switches = Object.fromEntries([...(root?.querySelectorAll('input') ?? [])].map((input) => [input.name, input]));
  return { host, root, dialog, accept, reject, settings, save, switches };
}

/** The next frame, and a task after it: what the SDK shows in a frame is there then. */
export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

/**
 * The banner as `banner()` finds it once shown: the SDKs made so far start a task later, show it after
 * the next frame and focus it after the one after.
 */
export async function shownBanner() {
  await new Promise((resolve) => setTimeout(resolve));
  await nextFrame();
  await nextFrame();
  return banner();
}

/** The element that has focus, looking into shadow roots. */
export function focused(): Element | null {
  let element = document.activeElement;
  while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
  return element;
}

/** dataLayer's entries as gtag.js sees them: only Arguments objects are commands, shown here as arrays. */
export function gtagCommands() {
  return ((window as { dataLayer?: unknown[] }).dataLayer ?? []).map((entry) =>
    Object.prototype.toString.call(entry) == '[object Arguments]' ? Array.from(entry as ArrayLike<unknown>) : entry,
  );
}

/** Makes the browser send Global Privacy Control, as Brave and Firefox can; resetPage() undoes it. */
export function sendGlobalPrivacyControl() {
  Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
}

/** A choice stored now, as `v=..&a=..&m=..` (the time is added). */
export function storeChoice(value: string) {
  document.cookie = `kith_consent=${value}&t=${Math.floor(Date.now() / 1000)};path=/`;
  // As a new page would, the SDK reads it afresh.
  forgetCookies();
}

/** What `consentState` makes for these grants, with `necessary` always on. */
export const categories = (analytics: boolean, marketing: boolean, site: Record<string, boolean> = {}) => ({
  necessary: true,
  analytics,
  marketing,
  ...site,
});

/** The messageIds in the SDK's stored queue; opening the database only when it exists, so as to leave none behind. */
export async function storedIds(): Promise<string[]> {
  if (!(await indexedDB.databases()).some(({ name }) => name == 'kith')) return [];
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('kith');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    const events = await new Promise<{ messageId: string }[] | undefined>((resolve, reject) => {
      const request = db.transaction('queue').objectStore('queue').get('events');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return (events ?? []).map(({ messageId }) => messageId);
  } finally {
    db.close();
  }
}

/** Takes the page offline as the browser reports it; `online()` undoes it, as the browser does, with an `online` event. */
export function offline() {
  const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
  return () => {
    onLine.mockRestore();
    dispatchEvent(new Event('online'));
  };
}

const pageLang = document.documentElement.lang;

export async function resetPage() {
  teardown();
  vi.restoreAllMocks();
  vi.useRealTimers();
  document.documentElement.lang = pageLang;
  delete (window as { dataLayer?: unknown }).dataLayer;
  delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
  for (const cookie of document.cookie.split('; ')) {
    if (cookie) document.cookie = `${cookie.split('=')[0]}=;path=/;max-age=0`;
  }
  forgetCookies();
  for (const element of document.querySelectorAll('kith-consent')) element.remove();
  await new Promise((resolve) => (indexedDB.deleteDatabase('kith').onsuccess = resolve));
}
