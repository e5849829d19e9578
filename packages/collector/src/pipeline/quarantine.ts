import type { RejectedEvent } from '../storage/storage.ts';
import { isPlaceholderId } from './identity-ids.ts';
import { MAX_EVENT_DEPTH, unstorable } from './validate.ts';

const MAX_ID_LENGTH = 256;

/**
 * A refused event as the quarantine keeps it: the payload as received, and the IDs it names, so
 * that the person's export finds it and their erasure removes it by exact match. A payload nested
 * too deep to serialize (JSON.stringify would overflow the stack) keeps only its reason and IDs.
 */
export function quarantined(refusal: Omit<RejectedEvent, 'payload'>, item: unknown): RejectedEvent {
  const serializable = unstorable(item, MAX_EVENT_DEPTH, false) === null;
  const entry: RejectedEvent = {
    ...refusal,
    payload: serializable ? (JSON.stringify(item) ?? 'null') : '"(not kept: nested too deep to serialize)"',
  };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return entry;
  const { anonymousId, userId } = item as { anonymousId?: unknown; userId?: unknown };
  const anonymous = namedId(anonymousId);
  const user = namedId(userId);
  if (anonymous !== undefined) entry.anonymousId = anonymous;
  // A placeholder ("undefined", "guest", …) names nobody: it must not make a person of its own.
  if (user !== undefined && !isPlaceholderId(user)) entry.userId = user;
  return entry;
}

// As normalize does for stored events: numeric IDs become strings. Longer than any valid ID names nobody.
function namedId(value: unknown): string | undefined {
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH ? id : undefined;
}
