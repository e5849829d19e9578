// The wire contract between the SDK, server-side senders and the collector (Segment-spec compatible).
// Typed once here; the collector imports these types, nobody re-declares them.

export type EventType = 'track' | 'page' | 'identify' | 'alias' | 'group' | 'screen' | 'consent';

export interface ConsentCategories {
  necessary: boolean;
  analytics: boolean;
  marketing: boolean;
  [category: string]: boolean;
}

export interface ConsentState {
  policyVersion: string;
  categories: ConsentCategories;
}

export type ConsentMethod = 'accept-all' | 'reject-all' | 'custom' | 'withdraw' | 'gpc' | 'api';

/** `properties` of a `consent` event. */
export interface ConsentProperties extends ConsentState {
  method: ConsentMethod;
  /** Lowercase hex SHA-256 of `JSON.stringify(bannerText)`, exactly as sent. */
  bannerTextHash?: string;
  /** The banner's texts the visitor chose in, by key; absent for a choice made through the API. */
  bannerText?: Record<string, string>;
  locale?: string;
}

export interface EventContext {
  page?: { url?: string; path?: string; referrer?: string; title?: string; search?: string };
  userAgent?: string;
  locale?: string;
  timezone?: string;
  screen?: { width?: number; height?: number };
  campaign?: { source?: string; medium?: string; name?: string; term?: string; content?: string };
  library?: { name: string; version: string };
  consent?: ConsentState;
  [key: string]: unknown;
}

export interface KithEvent {
  type: EventType;
  /** Made once per event by the client; the collector stores each (site, messageId) once. */
  messageId: string;
  anonymousId?: string;
  userId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  previousId?: string;
  groupId?: string;
  context?: EventContext;
  /** ISO-8601 time the event happened on the client. */
  timestamp?: string;
}

/** Body of `POST /v1/batch`. */
export interface BatchBody {
  batch: KithEvent[];
  /** ISO-8601 time the batch left the client; used to correct client clock skew. */
  sentAt?: string;
  writeKey?: string;
}

export interface RejectedItem {
  index: number;
  /** A stable code such as `missing_event`. */
  reason: string;
  /** What the sender should change. */
  message: string;
}

export interface BatchResponse {
  ok: true;
  accepted: number;
  rejected: RejectedItem[];
}

export interface ErrorResponse {
  ok: false;
  error: string;
  message: string;
}
