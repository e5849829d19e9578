// The browser's context (userAgent, locale, screen, library, consent, ip, the parsed browser and os)
// repeats in every event a browser sends: kept once per site, owner and text in the `contexts`
// table, each event's row naming it by key (issue 18: about 430 B of every browser event). What
// stays in the event's body: `page` (each event's own), `campaign` (figures read it in SQL) and
// the collector's own marks (`kith`, read by audiences/ and the markers in tables.ts).
import { sha256 } from '@noble/hashes/sha2.js';
import type { StoredEvent } from './storage.ts';

/**
 * A shared part this small stays in the body: the key an event's row then holds and the context's
 * row would save little or nothing.
 */
const SHARED_AT_LEAST = 128;

export interface SharedContext {
  /** Whose events these are, by the rule erasure finds a person's events: 'u:' + user ID, else 'a:' + anonymous ID. */
  owner: string;
  /** A digest of `text`: a client chooses its context, so a key it could make collide with another's must not exist. */
  key: string;
  /** The shared part of the context, as JSON text. */
  text: string;
  /** What the event's body keeps of its context; undefined when nothing. */
  own: Record<string, unknown> | undefined;
}

const split = new WeakMap<StoredEvent, SharedContext | null>();

/** The event's context split into its shared part and its own; null when it keeps its whole context. */
export function sharedContextOf(e: StoredEvent): SharedContext | null {
  // An event that keeps its whole context whatever its IDs (none, or the collector's own change event,
  // written by the thousand) is told without the cache, whose entry cost more than this check.
  if (!splittable(e.context)) return null;
  let found = split.get(e);
  if (found === undefined) {
    found = splitContext(e);
    split.set(e, found);
  }
  return found;
}

/** The SQL expression of an events row's context owner (alias `e`), the same rule as splitContext's owner. */
export const OWNER_OF_ROW = `case when e.user_id is not null then 'u:' || e.user_id else 'a:' || e.anonymous_id end`;

/** The owners a person's contexts are kept under, for its IDs (erasure). */
export const ownersOf = (userIds: readonly string[], anonymousIds: readonly string[]): string[] => [
  ...userIds.map((id) => `u:${id}`),
  ...anonymousIds.map((id) => `a:${id}`),
];

/** A context that may have a shared part: an object, and not the collector's own mark (`kith`). */
const splittable = (context: unknown): context is Record<string, unknown> =>
  typeof context === 'object' && context !== null && !Array.isArray(context) && !Object.hasOwn(context, 'kith');

function splitContext(e: StoredEvent): SharedContext | null {
  const context = e.context as Record<string, unknown>;
  // The owner must be what OWNER_OF_ROW makes of the row's columns: a string ID, the user's when it is set.
  const owner =
    typeof e.userId === 'string'
      ? `u:${e.userId}`
      : e.userId == null && typeof e.anonymousId === 'string'
        ? `a:${e.anonymousId}`
        : null;
  if (owner === null) return null;
  // Rest properties are defined, not assigned: a client's `__proto__` key stays an ordinary field.
  const { page, campaign, ...shared } = context;
  const text = JSON.stringify(shared);
  if (text.length < SHARED_AT_LEAST) return null;
  const own = Object.hasOwn(context, 'page') || Object.hasOwn(context, 'campaign') ? { page, campaign } : undefined;
  return { owner, key: keyOf(text), text, own };
}

const utf8 = new TextEncoder();
// A batch's events share their context: its digest is made once.
let lastText = '';
let lastKey = '';

/** 128 bits of SHA-256, base64url: synchronous on Node and on Workers alike. */
function keyOf(text: string): string {
  if (text !== lastText) {
    const digest = sha256(utf8.encode(text)).subarray(0, 16);
    lastKey = btoa(String.fromCharCode(...digest))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');
    lastText = text;
  }
  return lastKey;
}

/** One row per site, owner and key, with its events' latest receipt (retention deletes by it, as it does events). */
export interface ContextRow {
  site: string;
  owner: string;
  key: string;
  context: string;
  receivedAt: string;
}

/** The context rows a set of events needs, each once, with the latest receipt of its events. */
export function contextRowsOf(events: readonly StoredEvent[]): ContextRow[] {
  const rows = new Map<string, ContextRow>();
  for (const e of events) {
    const shared = sharedContextOf(e);
    if (!shared) continue;
    const id = `${e.site}\n${shared.owner}\n${shared.key}`;
    const row = rows.get(id);
    if (!row)
      rows.set(id, {
        site: e.site,
        owner: shared.owner,
        key: shared.key,
        context: shared.text,
        receivedAt: e.receivedAt,
      });
    else if (e.receivedAt > row.receivedAt) row.receivedAt = e.receivedAt;
  }
  return [...rows.values()];
}

/** The upsert of one context row (SQLite and D1: `?`; PostgreSQL numbers them): a later receipt moves it on. */
export const UPSERT_CONTEXT = `insert into contexts (site, owner, key, context, received_at) values (?, ?, ?, ?, ?)
  on conflict (site, owner, key) do update set received_at = excluded.received_at where excluded.received_at > contexts.received_at`;

export const contextParams = (row: ContextRow): string[] => [row.site, row.owner, row.key, row.context, row.receivedAt];
