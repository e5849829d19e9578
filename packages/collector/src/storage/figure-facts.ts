// The figures' rollup of orders and campaign touches (migration 10, sqlite-dialect/schema.ts): one narrow
// row per stored event that is an order or carries a campaign, written beside the event, so that a
// month's figures read these rows instead of every event's body. The person is not in the row: it is
// resolved when the figures are read (a merge after the fact still counts one person).
import type { Campaign, FigureEvent, StoredEvent } from './storage.ts';

/** The event of an order (Segment's e-commerce spec). */
export const ORDER_COMPLETED = 'Order Completed';

/** One node of a site's identity graph, as read for the figures: kind, ID, person. */
export type SiteIdentity = [kind: string, id: string, personId: string];

const isOrder = (e: Pick<StoredEvent, 'type' | 'event'>) => e.type === 'track' && e.event === ORDER_COMPLETED;

const objectOrUndefined = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** The events the figures look at one by one: orders, and those that carry a campaign (the `campaign` marker of tables.ts). */
export function isFigureFact(e: StoredEvent): boolean {
  const campaign = objectOrUndefined(e.context)?.['campaign'];
  return isOrder(e) || (campaign !== undefined && campaign !== null);
}

/**
 * The fact row of a stored event (seq: the event's). `extracted` is what SQLite's json_extract of the
 * body with these paths answers (migration 10 fills old stores so): revenue, total, and the campaign's
 * source, medium and name, as a JSON array; read back as the event scan reads them (factEventsOf).
 */
export function figureFactRow(e: StoredEvent, seq: number): (string | number | null)[] {
  const properties = objectOrUndefined(e.properties);
  const campaign = objectOrUndefined(objectOrUndefined(e.context)?.['campaign']);
  const extracted = [
    properties?.['revenue'],
    properties?.['total'],
    campaign?.['source'],
    campaign?.['medium'],
    campaign?.['name'],
  ];
  return [
    e.site,
    e.timestamp,
    seq,
    e.userId ?? null,
    e.anonymousId ?? null,
    isOrder(e) ? 1 : 0,
    JSON.stringify(extracted.map((value) => (value === undefined ? null : value))),
  ];
}

export const numberOf = (value: unknown): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
};

/** The campaign's fields that are set, as the event scan reads them (figures-rows.ts). */
export function campaignOf(source: unknown, medium: unknown, name: unknown): Campaign | null {
  const campaign: Campaign = {};
  if (typeof source === 'string' && source) campaign.source = source;
  if (typeof medium === 'string' && medium) campaign.medium = medium;
  if (typeof name === 'string' && name) campaign.name = name;
  return Object.keys(campaign).length > 0 ? campaign : null;
}

/** The site's identity graph as maps: the person of each user ID and anonymous ID, and the persons known by a user ID. */
export function personResolver(identities: readonly SiteIdentity[]) {
  const users = new Map<string, string>();
  const anonymous = new Map<string, string>();
  const named = new Set<string>();
  for (const [kind, id, personId] of identities) {
    if (kind === 'user') {
      users.set(id, personId);
      named.add(personId);
    } else if (kind === 'anonymous') anonymous.set(id, personId);
  }
  // A person of its own is made once per ID: one string per person, whose hash the figures' maps compute once.
  const ownUsers = new Map<string, string>();
  const ownAnonymous = new Map<string, string>();
  const own = (ids: Map<string, string>, id: string, prefix: string) => {
    let personId = ids.get(id);
    if (personId === undefined) ids.set(id, (personId = `${prefix}${id}`));
    return personId;
  };
  return {
    /** As every figures query resolves an event: the user's person, else the anonymous ID's, else a person of its own. */
    personOf: (userId: string | null, anonymousId: string | null): string =>
      (userId !== null ? users.get(userId) : undefined) ??
      (anonymousId !== null ? anonymous.get(anonymousId) : undefined) ??
      (userId !== null ? own(ownUsers, userId, 'user:') : own(ownAnonymous, `${anonymousId}`, 'anonymous:')),
    hasUser: (userId: string) => users.has(userId),
    isNamed: (personId: string) => named.has(personId),
  };
}

/** A fact row as read (arrays: user_id, anonymous_id, timestamp, is_order, extracted). */
export type FactRow = [string | null, string | null, string, number, string];

/**
 * Maps fact rows to figure events. Their extracted values repeat (a campaign's touches, orders of the
 * same value): each distinct one is parsed once, and equal campaigns share one object.
 */
export function factEventsOf(
  rows: readonly FactRow[],
  personOf: (userId: string | null, anonymousId: string | null) => string,
): FigureEvent[] {
  const parsed = new Map<string, Pick<FigureEvent, 'value' | 'campaign'>>();
  return rows.map(([userId, anonymousId, timestamp, order, extracted]) => {
    let fields = parsed.get(extracted);
    if (!fields) {
      const [revenue, total, source, medium, name] = JSON.parse(extracted) as unknown[];
      fields = { value: numberOf(revenue) ?? numberOf(total), campaign: campaignOf(source, medium, name) };
      parsed.set(extracted, fields);
    }
    return {
      personId: personOf(userId, anonymousId),
      timestamp,
      order: order === 1,
      value: fields.value,
      campaign: fields.campaign,
    };
  });
}

/**
 * The persons behind the senders seen (u:<user ID>, a:<anonymous ID>, overview_senders), counted as the
 * event scan counts them: a user ID the graph has not seen belongs to the person of the anonymous IDs its
 * events carry, asked for with `anonymousIdsOf` (rare: a login links every user ID). A person is
 * identified when one of its senders is a user ID or the graph knows a user ID of theirs.
 */
export function countVisitors(
  senders: readonly string[],
  resolver: ReturnType<typeof personResolver>,
  anonymousIdsOf: (userId: string) => (string | null)[],
): { visitors: number; identified: number } {
  const persons = new Map<string, boolean>();
  const seen = (personId: string, named: boolean) => persons.set(personId, named || persons.get(personId) === true);
  for (const sender of senders) {
    const id = sender.slice(2);
    if (sender.startsWith('a:')) seen(resolver.personOf(null, id), false);
    else if (resolver.hasUser(id)) seen(resolver.personOf(id, null), true);
    else for (const anonymousId of anonymousIdsOf(id)) seen(resolver.personOf(id, anonymousId), true);
  }
  let identified = 0;
  for (const [personId, named] of persons) if (named || resolver.isNamed(personId)) identified++;
  return { visitors: persons.size, identified };
}
