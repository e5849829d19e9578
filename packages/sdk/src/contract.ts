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
  /**
   * The anonymous ID the SDK just made because it found no ID cookie (first visit, or a cookie the
   * browser wiped). If the collector's HttpOnly device cookie knows this browser, it links the two
   * and answers with the surviving ID in `BatchResponse.anonymousId`, which the SDK adopts.
   * Never sent after `reset()`: a logout must not be joined back to the previous person.
   */
  restore?: string;
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
  /** Only in answer to `BatchBody.restore`: the anonymous ID this browser had before; use it from now on. */
  anonymousId?: string;
}

/** Body of `POST /v1/linker`: a one-time token to carry the visitor to another of the site's domains. */
export interface LinkerRequest {
  writeKey: string;
  anonymousId: string;
  /** Host name of the link's target, e.g. `shop-b.example`; must be one of the site's `linkerDomains`. */
  target: string;
}

export interface LinkerResponse {
  ok: true;
  /** Goes on the link as the query parameter `_kith=<token>` (the only name used for it); valid once, for at most two minutes, only on `target`. */
  token: string;
  expiresAt: string;
}

/** Body of `POST /v1/linker/redeem`, sent on arrival (with analytics consent) by the target domain's SDK. */
export interface LinkerRedeemRequest {
  writeKey: string;
  token: string;
  /** The visitor's anonymous ID on this domain, linked to the one the token carries. */
  anonymousId: string;
}

export interface LinkerRedeemResponse {
  ok: true;
  /** The anonymous ID the token carried (the visitor's ID on the other domain). */
  linkedTo: string;
}

export interface ErrorResponse {
  ok: false;
  error: string;
  message: string;
}
