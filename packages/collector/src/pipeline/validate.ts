import * as v from 'valibot';
import type { RejectReason, Rejection } from './reasons.ts';

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_EVENT_DEPTH = 32;

type Code = RejectReason;

const plainObject = (code: Code) =>
  v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), code);

const boundedString = (code: Code, min: number, max: number) =>
  v.pipe(v.string(code), v.minLength(min, code), v.maxLength(max, code));

const isoDate = (code: Code) =>
  v.pipe(
    v.string(code),
    v.check((s) => s.length <= 64 && isPlausibleTime(Date.parse(s)), code),
  );

// Years 1 to 9999, as ISO-8601 writes them without an expanded year: JavaScript dates reach further
// (±271,821 years), but a time that far out is a client's bug, and shifting it by the clock skew
// would leave the range of dates altogether.
// (Date.UTC maps years 0-99 to 1900-1999, hence the year set apart.)
const TIME_RANGE = [new Date(0).setUTCFullYear(1, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999)] as const;

/** True for a time of the years 1 to 9999 (NaN, an unreadable date, is not). */
export const isPlausibleTime = (time: number) => time >= TIME_RANGE[0] && time <= TIME_RANGE[1];

// Segment's server libraries may send numeric IDs; normalize turns them into strings.
const id = (code: Code) =>
  v.optional(v.union([boundedString(code, 1, 256), v.pipe(v.number(code), v.safeInteger(code))], code));

// Every field of the contract has its type whatever the event type, so what is stored matches KithEvent.
const common = {
  messageId: v.optional(boundedString('invalid_message_id', 1, 128)),
  anonymousId: id('invalid_anonymous_id'),
  userId: id('invalid_user_id'),
  event: v.optional(boundedString('missing_event', 1, 200)),
  name: v.optional(v.pipe(v.string('invalid_name'), v.maxLength(200, 'invalid_name'))),
  properties: v.optional(plainObject('invalid_properties')),
  traits: v.optional(plainObject('invalid_traits')),
  previousId: id('missing_previous_id'),
  groupId: id('missing_group_id'),
  context: v.optional(plainObject('invalid_context')),
  timestamp: v.optional(isoDate('invalid_timestamp')),
};

const ConsentProperties = v.looseObject(
  {
    policyVersion: boundedString('invalid_consent', 1, 64),
    categories: v.record(v.string(), v.boolean('invalid_consent'), 'invalid_consent'),
    method: v.picklist(['accept-all', 'reject-all', 'custom', 'withdraw', 'gpc', 'api'], 'invalid_consent'),
    bannerTextHash: v.optional(v.pipe(v.string('invalid_consent'), v.regex(/^[0-9a-f]{64}$/, 'invalid_consent'))),
    // The exact texts the visitor saw; kept once per version, by the hash above.
    bannerText: v.optional(
      v.record(
        v.string(),
        v.pipe(v.string('invalid_consent'), v.maxLength(4000, 'invalid_consent')),
        'invalid_consent',
      ),
    ),
    locale: v.optional(v.pipe(v.string('invalid_consent'), v.maxLength(35, 'invalid_consent'))),
  },
  'invalid_consent',
);

// The checks every event type shares, after its shape.
type Shape = { type: string; anonymousId?: unknown; userId?: unknown; groupId?: unknown; previousId?: unknown };
const rules = <T extends Shape>(shape: v.GenericSchema<unknown, T>) =>
  v.pipe(
    shape,
    v.check((e: T) => e.anonymousId !== undefined || e.userId !== undefined, 'missing_identity'),
    v.check((e: T) => e.type !== 'group' || e.groupId !== undefined, 'missing_group_id'),
    v.check(
      (e: T) => e.type !== 'alias' || (e.previousId !== undefined && e.userId !== undefined),
      'missing_previous_id',
    ),
  );

// One schema per type, picked by `type` (cheaper than valibot's variant, which tries each in turn).
// A looseObject's own message is what a missing required key reports.
const SCHEMAS = {
  track: rules(
    v.looseObject(
      { ...common, type: v.literal('track'), event: boundedString('missing_event', 1, 200) },
      'missing_event',
    ),
  ),
  page: rules(v.looseObject({ ...common, type: v.literal('page') })),
  screen: rules(v.looseObject({ ...common, type: v.literal('screen') })),
  identify: rules(v.looseObject({ ...common, type: v.literal('identify') })),
  group: rules(v.looseObject({ ...common, type: v.literal('group') })),
  alias: rules(v.looseObject({ ...common, type: v.literal('alias') })),
  consent: rules(
    v.looseObject({ ...common, type: v.literal('consent'), properties: ConsentProperties }, 'invalid_consent'),
  ),
};
const PARSE_CONFIG = { abortEarly: true } as const;

/** The event as validated: IDs may still be numbers until normalize. */
export type ValidEvent = v.InferOutput<(typeof SCHEMAS)[keyof typeof SCHEMAS]>;

/**
 * What no database should be handed: nesting deeper than `limit` (JSON.parse accepts 50,000
 * levels, but JSON.stringify recurses and would overflow the stack) and text with unpaired
 * surrogates (not valid Unicode; PostgreSQL refuses it). The recursion stops at `limit`, so it
 * cannot overflow either. `checkText: false` skips the text check when the caller knows there
 * can be no unpaired surrogate (see `mayHoldLoneSurrogates`).
 */
export function unstorable(value: unknown, limit: number, checkText = true): 'event_too_deep' | 'invalid_text' | null {
  const walk = (node: unknown, depth: number): 'event_too_deep' | 'invalid_text' | null => {
    if (typeof node === 'string') return checkText && !node.isWellFormed() ? 'invalid_text' : null;
    if (typeof node !== 'object' || node === null) return null;
    if (depth >= limit) return 'event_too_deep';
    if (Array.isArray(node)) {
      for (const child of node) {
        const problem = typeof child === 'object' || typeof child === 'string' ? walk(child, depth + 1) : null;
        if (problem) return problem;
      }
      return null;
    }
    for (const key in node) {
      if (checkText && !key.isWellFormed()) return 'invalid_text';
      const child = (node as Record<string, unknown>)[key];
      const problem = typeof child === 'object' || typeof child === 'string' ? walk(child, depth + 1) : null;
      if (problem) return problem;
    }
    return null;
  };
  return walk(value, 0);
}

/**
 * Decoded UTF-8 is always well-formed: an unpaired surrogate can only come from a `\uD800`-style
 * escape. A body without one needs no text check, which saves a pass over every string.
 */
export const mayHoldLoneSurrogates = (json: string) => json.includes('\\u') && /\\u[dD][89a-fA-F]/.test(json);

/** Checks one event against the contract; `measure` gives its serialized size when needed. */
export function validate(input: unknown, measure: () => number, checkText = true): ValidEvent | Rejection {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { reason: 'not_an_object' };
  const problem = unstorable(input, MAX_EVENT_DEPTH, checkText);
  if (problem) return { reason: problem };
  if (measure() > MAX_EVENT_BYTES) return { reason: 'event_too_large' };
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) return { reason: 'invalid_type' };
  const result = v.safeParse(SCHEMAS[type as keyof typeof SCHEMAS], input, PARSE_CONFIG);
  if (result.success) return result.output;
  return { reason: (result.issues[0]?.message ?? 'not_an_object') as RejectReason };
}
