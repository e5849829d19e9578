// Segment's libraries send `null` for an optional field they have no value for (analytics-next:
// `"userId": null` on every anonymous event), and RudderStack's browser SDK sends `"userId": ""`.
// Both mean "not set", so the event is taken as if the field were absent.
const OPTIONAL_FIELDS = [
  'messageId',
  'anonymousId',
  'userId',
  'name',
  'category',
  'properties',
  'traits',
  'previousId',
  'groupId',
  'context',
  'timestamp',
  'integrations',
];

/**
 * The event without the optional fields its client sent as "not set"; anything else is left to validate.
 * RudderStack's clients send the client's time as `originalTimestamp` and no `timestamp`: it is taken as
 * the timestamp, so their events get the same clock-skew correction as Segment's.
 */
export function withoutUnsetFields(item: unknown): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const event = item as Record<string, unknown>;
  const unset = OPTIONAL_FIELDS.filter((key) => event[key] === null || (key === 'userId' && event[key] === ''));
  const clientTime = event.timestamp ?? null;
  const rudderTime = clientTime === null && typeof event.originalTimestamp === 'string';
  if (unset.length === 0 && !rudderTime) return item;
  const copy = { ...event };
  for (const key of unset) delete copy[key];
  if (rudderTime) copy.timestamp = event.originalTimestamp;
  return copy;
}
