import type { ConsentProperties, KithEvent } from '@kith/sdk/contract';

/** An event as the collector stores it: the client's event plus what the collector knows. */
export interface StoredEvent extends KithEvent {
  site: string;
  /** Corrected for client clock skew (see pipeline/enrich.ts). */
  timestamp: string;
  /** The timestamp as the client sent it. */
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt: string;
}

/** A `consent` event, kept append-only in the consent log as proof; its banner text is kept apart, by hash. */
export interface ConsentRecord {
  site: string;
  messageId: string;
  anonymousId?: string;
  userId?: string;
  timestamp: string;
  receivedAt: string;
  consent: ConsentProperties;
}

/** An event that failed validation, quarantined with its reason instead of being dropped. */
export interface RejectedEvent {
  site: string;
  receivedAt: string;
  reason: string;
  message: string;
  /** The event as received (JSON), so it can be inspected or replayed. */
  payload: string;
}

export interface WriteSet {
  events: StoredEvent[];
  consents: ConsentRecord[];
  rejected: RejectedEvent[];
}

export interface WriteResult {
  /** Events new to storage; the rest were resent duplicates of stored messageIds. */
  inserted: number;
  duplicates: number;
}

export type IdKind = 'user' | 'anonymous';

export interface PersonKey {
  kind: IdKind;
  id: string;
}

export interface EventQuery extends PersonKey {
  limit: number;
  /** Cursor from a previous page (`EventPage.next`): only older events. */
  before?: string;
}

export interface EventPage {
  events: StoredEvent[];
  next: string | null;
}

/**
 * The one storage contract. Adapters (sqlite, postgres, d1) must write a request's set in one
 * transaction, store each (site, messageId) once, and throw (never half-write) when unavailable.
 */
export interface Storage {
  migrate(): Promise<void>;
  write(set: WriteSet): Promise<WriteResult>;
  events(query: EventQuery): Promise<EventPage>;
  rejected(site: string, limit: number): Promise<RejectedEvent[]>;
  /** The consent log of an ID, oldest first. */
  consents(person: PersonKey): Promise<ConsentRecord[]>;
  /** Banner texts by their hash, for the hashes given. */
  bannerTexts(hashes: string[]): Promise<Record<string, Record<string, string>>>;
  close(): Promise<void>;
}
