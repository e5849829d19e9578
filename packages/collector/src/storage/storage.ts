import type { ExpiredCounts } from './expire.ts';
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
  /** The collector's HttpOnly device cookie the browser sent it with (consented browser events only). */
  deviceId?: string;
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
  /** The event as received (JSON), so it can be inspected or replayed; for a refusal without consent only a count. */
  payload: string;
  /** The IDs the payload names, so that the person's export finds it and their erasure removes it. */
  anonymousId?: string;
  userId?: string;
}

export interface WriteSet {
  events: StoredEvent[];
  consents: ConsentRecord[];
  rejected: RejectedEvent[];
  /** Identity-graph edges learnt from this request, applied in the same transaction, in order. */
  links?: IdentityLink[];
  /** Traits from identify calls, merged into what the ID already has (later keys win). */
  traits?: TraitsUpdate[];
  /** New anonymous IDs to score against recent ones (probabilistic stitching, when enabled). */
  stitch?: StitchSignal[];
}

/** What a new anonymous ID arrived with: the (truncated) address, the user agent, the time. */
export interface StitchSignal {
  site: string;
  anonymousId: string;
  ip: string;
  userAgent: string;
  /** Seconds since 1970. */
  seenAt: number;
}

/** A scored guess that two anonymous IDs are one visitor, with its reasons; never merged automatically. */
export interface StitchCandidate {
  anonymousId: string;
  candidateId: string;
  score: number;
  reasons: string;
  at: string;
}

/** A node of the identity graph. Device IDs come from the collector's HttpOnly cookie. */
export type NodeKind = 'anonymous' | 'device' | 'user';

export interface NodeRef {
  kind: NodeKind;
  id: string;
}

/** How an edge was learnt: identify (`login`), the server cookie (`cookie`), alias, a signed cross-domain link. */
export type LinkHow = 'login' | 'cookie' | 'alias' | 'linker';

export interface IdentityLink {
  site: string;
  from: NodeRef;
  to: NodeRef;
  how: LinkHow;
  /** What taught it: the event's messageId, or the request's for cookie and linker edges. */
  source: string;
  at: string;
}

/** What applying a link did: joined two persons, found them one already, or refused (two users). */
export type LinkOutcome = 'merged' | 'same' | 'refused';

export interface TraitsUpdate {
  site: string;
  node: NodeRef;
  traits: Record<string, unknown>;
  at: string;
}

/** A person: the connected component of a node under the merge rules. */
export interface Person {
  personId: string;
  userIds: string[];
  anonymousIds: string[];
  deviceIds: string[];
  /** Traits of every ID of the person, the most recently updated winning per key. */
  traits: Record<string, unknown>;
}

/** One row of the append-only identity log: an edge as learnt, and what it did. */
export interface EdgeRecord extends IdentityLink {
  outcome: LinkOutcome;
}

/** A node found by the console's search or recent list, with the person it belongs to. */
export interface PersonHit {
  personId: string;
  kind: NodeKind;
  id: string;
  /** When the graph first saw the node (for an ID only events name: its first event). */
  firstSeen: string;
}

/** What the console's overview plots, for one site and period. */
export interface SiteOverview {
  /** Days (UTC, YYYY-MM-DD) with events: events, IDs seen (a user ID, else the anonymous ID), user IDs among them. */
  days: { day: string; events: number; persons: number; identified: number }[];
  /** Consent choices by how they were made and the policy version, most first. */
  consentChoices: { method: string; policyVersion: string; count: number }[];
  /** Per consent category: how many choices granted it, of all that named it. */
  consentCategories: { category: string; granted: number; total: number }[];
  /** Track events by name, the ten most frequent. */
  topEvents: { name: string; count: number }[];
  /** Refused and quarantined events by reason, most first. */
  refused: { reason: string; count: number }[];
}

/** Proof that a person was erased (GDPR Art. 17), kept after the person is gone. */
export interface ErasureReceipt {
  receiptId: string;
  site: string;
  erasedAt: string;
  /** What replaced the person's IDs in the consent log, so their proof of consent stays together. */
  pseudonym: string;
  erased: { events: number; ids: number; consents: number; rejected: number };
}

export interface WriteResult {
  /** Events new to storage; the rest were resent duplicates of stored messageIds. */
  inserted: number;
  duplicates: number;
  /**
   * The seq each of the set's events was stored at; null for a resent duplicate (whose stored twin may
   * differ), or where the store cannot tell. A reader that holds events (audiences/history.ts) need not
   * read back what was just written.
   */
  seqs: (number | null)[];
}

export type IdKind = 'user' | 'anonymous';

export interface PersonKey {
  kind: IdKind;
  id: string;
}

/** The IDs events and consents are filed under: one person's, from the graph. */
export interface IdSet {
  site: string;
  userIds: string[];
  anonymousIds: string[];
}

/** Events sent under any of the IDs, newest first. An event that names a user ID is only that user's, whatever anonymous ID it also carries. */
export interface EventQuery extends IdSet {
  limit: number;
  /** Cursor from a previous page (`EventPage.next`): only older events. */
  before?: string;
}

export interface EventSummary {
  eventCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

/** Where an event is kept: its seq and the IDs it names, without its content. */
export interface EventEntry {
  seq: number;
  userId: string | null;
  anonymousId: string | null;
}

export interface EventPage {
  events: StoredEvent[];
  next: string | null;
}

/**
 * The one storage contract. Adapters (sqlite, postgres, d1) must write a request's set in one
 * transaction, store each (site, messageId) once, and throw (never half-write) when unavailable.
 */
export interface Storage extends ForwardStore {
  /** Brings the schema up to date; `onStep` hears of each migration before it runs (kith migrate shows progress). */
  migrate(onStep?: MigrationStep): Promise<void>;
  write(set: WriteSet): Promise<WriteResult>;
  events(query: EventQuery): Promise<EventPage>;
  rejected(site: string, limit: number): Promise<RejectedEvent[]>;
  /** The quarantined events that name the IDs, oldest first (export); an event with a user ID belongs to that user only. */
  rejectedOf(ids: IdSet): Promise<RejectedEvent[]>;
  /** How many events the IDs have, and the first and last event's time (null when none). */
  eventSummary(ids: IdSet): Promise<EventSummary>;
  /**
   * Every event of the IDs as an entry, without its content, in seq order (an event that names a user ID
   * is that user's only, as in `events`): a reader that holds some of them reads only the rest (`eventsBySeq`).
   */
  eventEntries(ids: IdSet): Promise<EventEntry[]>;
  /** The site's events of these seqs, each with its seq, in seq order; a seq no longer stored is left out. */
  eventsBySeq(site: string, seqs: number[]): Promise<{ seq: number; event: StoredEvent }[]>;
  /** The consent log of the IDs, oldest first. */
  consents(ids: IdSet): Promise<ConsentRecord[]>;
  /** Stitching candidates naming any of the anonymous IDs, best first. */
  stitchCandidates(ids: IdSet): Promise<StitchCandidate[]>;
  /** The person a node belongs to; null when the graph has never seen the node. */
  person(site: string, node: NodeRef): Promise<Person | null>;
  /**
   * The persons of many nodes of a site in one read (two queries, whatever their count), keyed by
   * `kind\nid` as asked; a node the graph has never seen is left out. Each is the Person `person()`
   * answers, and the nodes of one person share one object.
   */
  persons(site: string, nodes: NodeRef[]): Promise<Map<string, Person>>;
  /** The edges touching any of the person's nodes, oldest first (export, and how a person came to be). */
  edges(site: string, personId: string): Promise<EdgeRecord[]>;
  /** The anonymous ID a device cookie was first given with: the one to restore when the script cookie is gone. */
  deviceAnonymousId(site: string, deviceId: string): Promise<string | null>;
  /** Claims a linker token's nonce; false when it was claimed before (a replay). Nonces expired by `now` are forgotten. */
  claimNonce(nonce: string, expiresAt: string, now: string): Promise<boolean>;
  /** Erases the person (events, quarantined events naming them, IDs, traits, edges); consent records are kept under a pseudonym. */
  erase(site: string, person: Person, receipt: Omit<ErasureReceipt, 'erased'>): Promise<ErasureReceipt>;
  /**
   * Deletes the erasure exits (audiences/erasure.ts) that every one of `destinations` has forwarded
   * or kept as a dead letter, taking them out of dead letters too; all of them when there is no
   * destination. Returns how many it deleted and how many still wait for a forwarder.
   */
  purgeErasureExits(destinations: string[]): Promise<{ purged: number; waiting: number }>;
  /**
   * The console's person search: nodes whose ID equals `text` or starts with it, or whose `email`
   * trait does (ignoring case), and IDs that only events name (equal only); exact matches first.
   */
  findPersons(site: string, text: string, limit: number): Promise<PersonHit[]>;
  /** The nodes the identity graph learnt last, newest first: the console's recent persons. */
  recentPersons(site: string, limit: number): Promise<PersonHit[]>;
  /** The console's overview of a site for the whole UTC days from `from` (inclusive) to `to` (exclusive), ISO times at midnight. */
  overview(site: string, from: string, to: string): Promise<SiteOverview>;
  /** One ID per sender of the site's events (the user ID, else the anonymous ID): where a rebuild of audiences starts. */
  personKeys(site: string): Promise<PersonKey[]>;
  /**
   * The collector's change events in a slot (`audience:<key>`, `stage`), through an index: what was ever
   * announced of an audience or the stage, without reading anyone's other events (audiences/members.ts).
   */
  slotEvents(site: string, slot: string): Promise<StoredEvent[]>;
  /** Banner texts by their hash, for the hashes given. */
  bannerTexts(hashes: string[]): Promise<Record<string, Record<string, string>>>;
  /**
   * Retention: deletes one chunk (up to `chunk` rows of each kind, oldest first) of what was
   * stored before `cutoff`; see expire.ts. Call again while a count comes back as `chunk`.
   */
  expire(cutoff: Date, chunk: number): Promise<ExpiredCounts>;
  /** What stops storage from writing now (a sentence for the operator), or null when it can write: `/readyz`. */
  writable(): Promise<string | null>;
  /** A site's events in a window, oldest first, each with the person it belongs to now (figures/). */
  siteEvents(query: SiteEventQuery): Promise<PersonEvent[]>;
  /**
   * How many persons were seen on a site in a window of whole UTC days (figures/period.ts), and how many of
   * them are known by a user ID (figures/).
   */
  siteVisitors(window: SiteWindow): Promise<SiteVisitors>;
  /**
   * The site's orders and the events that carry a campaign before `to`, oldest first (then in storage order),
   * each with the person it belongs to now, resolved as in siteEvents: what the figures count one by one.
   */
  siteOrdersAndTouches(query: { site: string; to: string }): Promise<FigureEvent[]>;
  /** The consent choices made on a site in a window (figures/). */
  siteConsents(window: SiteWindow): Promise<ConsentChoice[]>;
  /** How far each person got through a funnel's steps in a window (figures/): persons who did none are left out. */
  siteFunnel(query: SiteFunnelQuery): Promise<FunnelReach[]>;
  /** Keeps the site's latest fitted predictions (figures/predict.ts), replacing the previous ones. */
  savePredictions(site: string, fittedAt: string, model: unknown): Promise<void>;
  /** The site's latest fitted predictions; null before the first fit. */
  predictions(site: string): Promise<{ fittedAt: string; model: unknown } | null>;
  close(): Promise<void>;
}

/** Migration `version` of `latest` is about to run. */
export type MigrationStep = (version: number, latest: number) => void;

/** A site and a window of event time: from inclusive, to exclusive (ISO-8601); open when left out. */
export interface SiteWindow {
  site: string;
  from?: string;
  to?: string;
}

export interface SiteEventQuery extends SiteWindow {
  /** Only track events of these names (e.g. `Order Completed`); every event when left out. */
  events?: string[];
  /** Only events that carry a campaign (`context.campaign`): what brought a person, for attribution. */
  campaigns?: boolean;
}

export interface SiteFunnelQuery extends SiteWindow {
  /** Track event names, in order: a step counts when its event comes after the previous step's (by time, then storage order). */
  steps: string[];
}

/** A person (resolved as in siteEvents) and how many of a funnel's steps they did, at least 1. */
export interface FunnelReach {
  personId: string;
  reached: number;
}

export interface SiteVisitors {
  visitors: number;
  identified: number;
}

/** An event as figures read it: its person, and the few properties they need. */
export interface PersonEvent {
  personId: string;
  /** The person has a user ID: logged in on some device, at some time. */
  identified: boolean;
  /** The IDs the event was sent under (what a computed trait is written to). */
  userId: string | null;
  anonymousId: string | null;
  type: string;
  event: string | null;
  timestamp: string;
  /** `properties.revenue`, else `properties.total`: an order's value; null when neither is a number. */
  value: number | null;
  /** `properties.products` (Segment's e-commerce spec); empty when absent. */
  products: Record<string, unknown>[];
  /** `context.campaign`'s source, medium and name (UTM), when any is set. */
  campaign: Campaign | null;
}

/** An order or a campaign touch as figures/figures.ts counts it, with the person it belongs to now. */
export interface FigureEvent {
  personId: string;
  timestamp: string;
  /** An `Order Completed` track event. */
  order: boolean;
  /** `properties.revenue`, else `properties.total`: an order's value; null when neither is a number. */
  value: number | null;
  campaign: Campaign | null;
}

export interface Campaign {
  source?: string;
  medium?: string;
  name?: string;
}

export interface ConsentChoice {
  method: string;
  categories: Record<string, boolean>;
}

/** One ID alone as an IdSet: the person of an ID the identity graph has not seen. */
export function idsOf(site: string, key: PersonKey): IdSet {
  return { site, userIds: key.kind === 'user' ? [key.id] : [], anonymousIds: key.kind === 'anonymous' ? [key.id] : [] };
}

/** An event waiting in the outbox (the events table) for a destination. */
export interface OutboxEvent {
  /** The event's storage sequence. */
  seq: number;
  /** Where the destination's cursor goes once this event is delivered; only the adapter reads it. */
  position: string;
  event: StoredEvent;
}

/** A batch a destination refused for good, or failed on every try: kept to inspect and replay. */
export interface DeadLetter {
  id: number;
  destination: string;
  failedAt: string;
  attempts: number;
  error: string;
  events: { seq: number; event: StoredEvent }[];
}

/**
 * The events table read as an outbox, once per destination (forward/): a cursor per destination,
 * a lease so that one collector instance at a time forwards it, and dead letters. Positions only
 * ever move forward, and only for the lease's owner; at least once: a crash between delivery and
 * `advance` delivers the batch again.
 */
export interface ForwardStore {
  /** Takes or renews the destination's lease for `owner`; false while another owner's lease runs. */
  claimForwarding(destination: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Lets the lease go at once, so that another instance takes over without waiting for it to run out. */
  releaseForwarding(destination: string, owner: string): Promise<void>;
  /** Up to `limit` events after the destination's cursor, in the order they must be delivered. */
  pending(destination: string, limit: number): Promise<OutboxEvent[]>;
  /** Moves the cursor to `position`; false when it did not move (lease lost, or read the batch again). */
  advance(destination: string, owner: string, position: string): Promise<boolean>;
  /** Keeps the batch as a dead letter and moves the cursor past it, in one transaction, as `advance` would. */
  deadLetter(
    destination: string,
    owner: string,
    batch: OutboxEvent[],
    failure: { error: string; attempts: number; at: string },
  ): Promise<boolean>;
  /** The destination's dead letters, oldest first. */
  deadLetters(destination: string, limit: number): Promise<DeadLetter[]>;
  /** Removes a dead letter (once replayed); false when there was none of that id. */
  removeDeadLetter(id: number): Promise<boolean>;
}
