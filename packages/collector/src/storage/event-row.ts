// An event's row holds the fields that have columns once, in the columns; its JSON body holds the rest
// (issue 18: these fields were a fifth of every body). Every adapter writes the body and reads an event
// back through this file alone.
import type { StoredEvent } from './storage.ts';

/** The columns an event is rebuilt from, to select wherever events are read whole. */
export const EVENT_COLUMNS = 'site, message_id, type, event, user_id, anonymous_id, timestamp, received_at, body';

export interface EventColumnsRow {
  site: string;
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  timestamp: string;
  received_at: string;
  /** JSON text (SQLite, D1) or already parsed (PostgreSQL's json). */
  body: string | Record<string, unknown>;
}

/**
 * True when a column gives the value back exactly. PostgreSQL's text keeps a NUL as U+2400
 * (postgres/storable.ts) and SQLite's text turns a lone surrogate into U+FFFD; such a value stays in the
 * body, which keeps it exactly, as does anything that is not a string.
 */
const columnKeeps = (value: unknown): boolean =>
  typeof value === 'string' && value.isWellFormed() && !value.includes('\0');

/** The event's JSON body: the event without the fields its columns keep exactly. */
export function eventBody(e: StoredEvent): string {
  // Rest properties are defined, not assigned: a client's `__proto__` key stays an ordinary field.
  const { site, messageId, type, event, userId, anonymousId, timestamp, receivedAt, ...body } = e;
  const keep = (field: string, value: unknown) => {
    if (value !== undefined && !columnKeeps(value)) Object.defineProperty(body, field, { value, enumerable: true });
  };
  keep('site', site);
  keep('messageId', messageId);
  keep('type', type);
  keep('event', event);
  keep('userId', userId);
  keep('anonymousId', anonymousId);
  keep('timestamp', timestamp);
  keep('receivedAt', receivedAt);
  return JSON.stringify(body);
}

/**
 * The stored event, as it was given: the columns' fields, then the body's, which win. A row stored
 * before bodies left these fields out has them all in its body, so old and new rows read alike.
 */
export function eventFromRow(row: EventColumnsRow): StoredEvent {
  const body = typeof row.body === 'string' ? (JSON.parse(row.body) as Record<string, unknown>) : row.body;
  const event = {
    type: row.type,
    messageId: row.message_id,
    ...(row.anonymous_id === null ? {} : { anonymousId: row.anonymous_id }),
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.event === null ? {} : { event: row.event }),
    ...body,
  } as StoredEvent;
  if (!Object.hasOwn(body, 'timestamp')) event.timestamp = row.timestamp;
  if (!Object.hasOwn(body, 'site')) event.site = row.site;
  if (!Object.hasOwn(body, 'receivedAt')) event.receivedAt = row.received_at;
  return event;
}
