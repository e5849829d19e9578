// Shared by the tests: what the SDK sent, what it left on the device, and a clean page.
import { commands } from 'vitest/browser';
import { expect, vi } from 'vitest';
import type { BatchBody } from './contract.ts';

declare module 'vitest/browser' {
  interface BrowserCommands {
    bundleScript(): Promise<string>;
    cookies(): Promise<{ name: string; value: string; path: string; expires: number; sameSite: string; secure: boolean }[]>;
  }
}

export interface Request {
  via: 'fetch' | 'beacon';
  url: string;
  init?: RequestInit;
  body: Blob;
}

/**
 * Stands in for the collector: records every fetch and beacon, answers fetches in turn with
 * the given statuses ('offline' rejects like a network error), then with 200.
 */
export function recordRequests(...answers: (number | 'offline')[]) {
  const requests: Request[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (url, init) => {
    requests.push({ via: 'fetch', url: String(url), init, body: init?.body as Blob });
    const answer = answers.shift() ?? 200;
    if (answer == 'offline') throw new TypeError('Failed to fetch');
    return new Response('{}', { status: answer });
  });
  vi.spyOn(navigator, 'sendBeacon').mockImplementation((url, body) => {
    requests.push({ via: 'beacon', url: String(url), body: body as Blob });
    return true;
  });
  return {
    requests,
    bodies: () => Promise.all(requests.map(async ({ body }) => JSON.parse(await body.text()) as BatchBody)),
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

export const cookies = () => commands.cookies();

/** The prompt's dialog and buttons, if it is shown. */
export function prompt() {
  const root = document.querySelector('kith-consent')?.shadowRoot;
  const dialog = root?.querySelector('[role=dialog]');
  const [accept, reject] = root?.querySelectorAll('button') ?? [];
  return { root, dialog, accept, reject };
}

export function resetPage() {
  vi.restoreAllMocks();
  vi.useRealTimers();
  for (const cookie of document.cookie.split('; ')) {
    if (cookie) document.cookie = `${cookie.split('=')[0]}=;path=/;max-age=0`;
  }
  for (const element of document.querySelectorAll('kith-consent')) element.remove();
}
