// The rows a write set puts into its four tables, mapped from the records once for every adapter:
// each adapter only decides how to send them (one prepared INSERT per row, multi-row INSERTs, or
// one array per column).
import { contextParams, sharedContextOf, type ContextRow } from './event-context.ts';
import { eventBody } from './event-row.ts';
import type { ConsentRecord, RejectedEvent, StoredEvent } from './storage.ts';

export type RowValue = string | null;

export interface Table<Source> {
  name: string;
  columns: readonly string[];
  /** Columns holding JSON text (PostgreSQL's json). */
  json: readonly string[];
  /** The unique key a resent row is ignored by; none for an append-only log. */
  key: readonly string[];
  row: (record: Source) => RowValue[];
}

export interface BannerText {
  hash: string;
  texts: unknown;
  firstSeen: string;
}

export const EVENTS: Table<StoredEvent> = {
  name: 'events',
  columns: [
    'site',
    'message_id',
    'type',
    'event',
    'user_id',
    'anonymous_id',
    'timestamp',
    'received_at',
    'body',
    'campaign',
    'computed_slot',
    'erasure_exit',
    'context_key',
  ],
  json: ['body'],
  key: ['site', 'message_id'],
  row: (e) => [
    e.site,
    e.messageId,
    e.type,
    e.event ?? null,
    e.userId ?? null,
    e.anonymousId ?? null,
    e.timestamp,
    e.receivedAt,
    eventBody(e),
    ...markersOf(e),
    sharedContextOf(e)?.key ?? null,
  ],
};

/**
 * What the read-side indexes select events by (migration 9), taken from the event once as it is
 * stored: `campaign` ('1' when `context.campaign` is set), `computed_slot` (the slot of the collector's
 * own change event, audiences/reconcile.ts) and `erasure_exit` ('1' for an exit sent because a person
 * was erased). A partial index on json_extract(body, ...) parsed every stored body again on insert.
 */
function markersOf(e: StoredEvent): [RowValue, RowValue, RowValue] {
  const context = objectOrUndefined(e.context);
  const campaign = context?.['campaign'];
  const mark = markOf(context);
  return [
    campaign === undefined || campaign === null ? null : '1',
    computedSlotOf(mark),
    mark?.['erasure'] === true ? '1' : null,
  ];
}

// `context.kith`: audiences/reconcile.ts COMPUTED_CONTEXT (a client cannot send one, pipeline/normalize.ts).
const markOf = (context: Record<string, unknown> | undefined) => objectOrUndefined(context?.['kith']);

const computedSlotOf = (mark: Record<string, unknown> | undefined): string | null => {
  const slot = mark?.['slot'];
  return mark?.['computed'] === true && typeof slot === 'string' ? slot : null;
};

/**
 * The collector's own change event (its row has a `computed_slot`): kept in the outbox like any event,
 * but not the shop's activity, so the overview and the figures leave it out (`computed_slot is null`).
 */
export const isOwnChange = (e: StoredEvent): boolean => computedSlotOf(markOf(objectOrUndefined(e.context))) !== null;

const objectOrUndefined = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** The shared contexts of events (event-context.ts): upserted, never just inserted (UPSERT_CONTEXT). */
export const CONTEXTS: Table<ContextRow> = {
  name: 'contexts',
  columns: ['site', 'owner', 'key', 'context', 'received_at'],
  json: [],
  key: ['site', 'owner', 'key'],
  row: contextParams,
};

export const CONSENTS: Table<ConsentRecord> = {
  name: 'consent_log',
  columns: [
    'site',
    'message_id',
    'anonymous_id',
    'user_id',
    'timestamp',
    'received_at',
    'policy_version',
    'categories',
    'method',
    'banner_text_hash',
    'locale',
  ],
  json: ['categories'],
  key: ['site', 'message_id'],
  row: (c) => [
    c.site,
    c.messageId,
    c.anonymousId ?? null,
    c.userId ?? null,
    c.timestamp,
    c.receivedAt,
    c.consent.policyVersion,
    JSON.stringify(c.consent.categories),
    c.consent.method,
    c.consent.bannerTextHash ?? null,
    c.consent.locale ?? null,
  ],
};

export const BANNER_TEXTS: Table<BannerText> = {
  name: 'banner_texts',
  columns: ['hash', 'texts', 'first_seen'],
  json: ['texts'],
  key: ['hash'],
  row: (b) => [b.hash, JSON.stringify(b.texts), b.firstSeen],
};

export const REJECTED: Table<RejectedEvent> = {
  name: 'rejected',
  columns: ['site', 'received_at', 'reason', 'message', 'payload', 'anonymous_id', 'user_id'],
  json: [],
  key: [],
  row: (r) => [r.site, r.receivedAt, r.reason, r.message, r.payload, r.anonymousId ?? null, r.userId ?? null],
};

/** The banner texts that consents carry (the SDK sends the text once with its hash), first seen when received. */
export function bannerTextsOf(consents: readonly ConsentRecord[]): BannerText[] {
  return consents.flatMap((c) => {
    const { bannerText, bannerTextHash } = c.consent as { bannerText?: unknown; bannerTextHash?: string };
    return bannerText && bannerTextHash ? [{ hash: bannerTextHash, texts: bannerText, firstSeen: c.receivedAt }] : [];
  });
}

/** `on conflict (key) do nothing`, or nothing for a table without a key. */
export const onConflict = (table: Table<never>): string =>
  table.key.length > 0 ? `on conflict (${table.key.join(', ')}) do nothing` : '';

/** A single-row INSERT with `?` placeholders. */
export const insertOne = (table: Table<never>): string =>
  `insert into ${table.name} (${table.columns.join(', ')}) values (${table.columns.map(() => '?').join(', ')}) ${onConflict(table)}`.trimEnd();
