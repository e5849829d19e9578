import type { BatchResponse } from '../contract.ts';
import { readCookie, writeCookie } from '../cookie.ts';
import { afterLoad } from '../later.ts';

const ANONYMOUS_ID = 'kith_aid';
const USER_ID = 'kith_uid';
// 395 days, about 13 months: the longest lifetime CNIL accepts for an analytics ID.
const MAX_AGE = 34128000;

export interface Identity {
  /** Undefined until analytics is granted: before that no ID exists, so none can leak. */
  anonymousId(): string | undefined;
  userId(): string | undefined;
  identify(userId: string): void;
  /** Analytics granted: read or create the IDs and keep them on the device. */
  persist(): void;
  /** Analytics denied: take the IDs off the device, and out of memory. */
  forget(): void;
  /** Logout: no user, and a new anonymous ID, so the next person on the device starts afresh. */
  reset(): void;
  /** A reset made before consent, done once the IDs may be read: a new anonymous ID, the stored user gone. */
  renew(): void;
  /** The anonymous ID made on this page for want of a cookie, until the collector has answered for it. */
  restore(): string | undefined;
  /** The collector's answer to `restore`: the ID this browser had before, if it knew one, is used from now on. */
  restored(restore: string, answer: Partial<BatchResponse>): void;
}

/** `domain()`: where the cookies go, asked only once there is consent to write them. */
export function createIdentity(domain: () => string | undefined): Identity {
  let anonymousId: string | undefined;
  let userId: string | undefined;
  // Null once this page may not ask: after a reset or a withdrawal, a new ID must stay new.
  let restore: string | undefined | null;
  let loggedOut = false;

  const read = (name: string) => decodeURIComponent(readCookie(name) ?? '') || undefined;
  /** No `value`: deletes. */
  const write = (name: string, value = '') =>
    writeCookie(name, encodeURIComponent(value), value ? MAX_AGE : 0, domain());
  const store = () => {
    write(ANONYMOUS_ID, anonymousId);
    if (userId) write(USER_ID, userId);
  };
  const renew = () => {
    anonymousId = crypto.randomUUID();
    write(USER_ID);
    store();
  };

  return {
    anonymousId: () => anonymousId,
    userId: () => userId,
    identify(id) {
      userId = id;
      if (anonymousId) store();
    },
    persist() {
      // Reading counts as access to the device too (TDDDG §25), so it waits for consent as well.
      if (!loggedOut) userId ??= read(USER_ID);
      anonymousId = read(ANONYMOUS_ID);
      if (anonymousId) {
        // Written back, for a full lifetime from this visit, once the page has loaded: cookie writes
        // are synchronous round trips to the browser's network process.
        afterLoad(store);
      } else {
        anonymousId = crypto.randomUUID();
        if (restore !== null) restore = anonymousId;
        store();
      }
    },
    forget() {
      anonymousId = userId = undefined;
      restore = null;
      for (const name of [ANONYMOUS_ID, USER_ID]) if (readCookie(name)) write(name);
    },
    reset() {
      userId = undefined;
      restore = null;
      loggedOut = true;
      if (anonymousId) renew();
    },
    renew,
    restore: () => restore ?? undefined,
    restored(sent, { anonymousId: surviving }) {
      if (sent != restore) return;
      restore = null;
      if (surviving) {
        anonymousId = surviving;
        store();
      }
    },
  };
}
