// What a write answers (WriteResult) where the store reports the rows an INSERT stored by their key
// (PostgreSQL's and D1's RETURNING): each event's seq, or null for a resent duplicate.
import type { StoredEvent, WriteResult } from './storage.ts';

/** A stored row's key and seq, as the INSERT returns them. */
export interface StoredKey {
  site: string;
  message_id: string;
  seq: string | number;
}

/** The stored rows' seqs by `site\nmessageId`, as the key's columns hold them. */
export const storedSeqs = (stored: readonly StoredKey[]) =>
  new Map(stored.map((row) => [`${row.site}\n${row.message_id}`, Number(row.seq)]));

/**
 * What the write answers for these events: each stored row is taken by the first event that sent its
 * key. `kept` spells a text as the store's columns hold it (PostgreSQL keeps a NUL as U+2400); a lone
 * surrogate comes back as U+FFFD from either store.
 */
export function resultOf(
  events: readonly StoredEvent[],
  fresh: Map<string, number>,
  kept: (text: string) => string = (text) => text,
): WriteResult {
  const seqs: (number | null)[] = [];
  const asKept = (text: string) => kept(text).toWellFormed();
  for (const event of events) {
    const key = `${asKept(event.site)}\n${asKept(event.messageId)}`;
    const seq = fresh.get(key);
    fresh.delete(key);
    seqs.push(seq ?? null);
  }
  const inserted = seqs.filter((seq) => seq !== null).length;
  return { inserted, duplicates: events.length - inserted, seqs };
}
