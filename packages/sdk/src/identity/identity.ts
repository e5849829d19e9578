import { readCookie, writeCookie } from '../cookie.ts';

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
  /** Analytics denied: take the IDs off the device. */
  forget(): void;
}

export function createIdentity(): Identity {
  let anonymousId: string | undefined;
  let userId: string | undefined;

  const store = (id: string) => {
    writeCookie(ANONYMOUS_ID, id, MAX_AGE);
    if (userId) writeCookie(USER_ID, encodeURIComponent(userId), MAX_AGE);
  };

  return {
    anonymousId: () => anonymousId,
    userId: () => userId,
    identify(id) {
      userId = id;
      if (anonymousId) store(anonymousId);
    },
    persist() {
      // Reading counts as access to the device too (TDDDG §25), so it waits for consent as well.
      anonymousId = readCookie(ANONYMOUS_ID) || crypto.randomUUID();
      const storedUserId = readCookie(USER_ID);
      userId ??= storedUserId && decodeURIComponent(storedUserId);
      store(anonymousId);
    },
    forget() {
      anonymousId = undefined;
      for (const name of [ANONYMOUS_ID, USER_ID]) if (readCookie(name)) writeCookie(name, '', 0);
    },
  };
}
