import * as v from 'valibot';
import type { RejectReason, Rejection } from './reasons.ts';

export const MAX_EVENT_BYTES = 32 * 1024;

type Code = RejectReason;

const plainObject = (code: Code) =>
  v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), code);

const boundedString = (code: Code, min: number, max: number) =>
  v.pipe(v.string(code), v.minLength(min, code), v.maxLength(max, code));

const isoDate = (code: Code) => v.pipe(v.string(code), v.check((s) => s.length <= 64 && !Number.isNaN(Date.parse(s)), code));

// Segment's server libraries may send numeric IDs; normalize turns them into strings.
const id = (code: Code) => v.optional(v.union([boundedString(code, 1, 256), v.pipe(v.number(code), v.safeInteger(code))], code));

const common = {
  messageId: v.optional(boundedString('invalid_message_id', 1, 128)),
  anonymousId: id('invalid_anonymous_id'),
  userId: id('invalid_user_id'),
  context: v.optional(plainObject('invalid_context')),
  timestamp: v.optional(isoDate('invalid_timestamp')),
};

const properties = v.optional(plainObject('invalid_properties'));
const traits = v.optional(plainObject('invalid_traits'));
const name = v.optional(v.pipe(v.string('invalid_name'), v.maxLength(200, 'invalid_name')));

const ConsentProperties = v.looseObject(
  {
    policyVersion: boundedString('invalid_consent', 1, 64),
    categories: v.record(v.string(), v.boolean('invalid_consent'), 'invalid_consent'),
    method: v.picklist(['accept-all', 'reject-all', 'custom', 'withdraw', 'gpc', 'api'], 'invalid_consent'),
    bannerTextHash: v.optional(v.string('invalid_consent')),
    locale: v.optional(v.string('invalid_consent')),
  },
  'invalid_consent',
);

const EventSchema = v.pipe(
  // A looseObject's own message is what a missing required key reports.
  v.variant(
    'type',
    [
      v.looseObject({ ...common, type: v.literal('track'), event: boundedString('missing_event', 1, 200), properties }, 'missing_event'),
      v.looseObject({ ...common, type: v.literal('page'), name, properties }),
      v.looseObject({ ...common, type: v.literal('screen'), name, properties }),
      v.looseObject({ ...common, type: v.literal('identify'), traits }),
      v.looseObject({ ...common, type: v.literal('group'), groupId: id('missing_group_id'), traits }),
      v.looseObject({ ...common, type: v.literal('alias'), previousId: id('missing_previous_id') }),
      v.looseObject({ ...common, type: v.literal('consent'), properties: ConsentProperties }, 'invalid_consent'),
    ],
    'invalid_type',
  ),
  v.check((e) => e.anonymousId !== undefined || e.userId !== undefined, 'missing_identity'),
  v.check((e) => e.type !== 'group' || e.groupId !== undefined, 'missing_group_id'),
  v.check((e) => e.type !== 'alias' || (e.previousId !== undefined && e.userId !== undefined), 'missing_previous_id'),
);

/** The event as validated: IDs may still be numbers until normalize. */
export type ValidEvent = v.InferOutput<typeof EventSchema>;

/** Checks one event against the contract; `bytes` is its serialized size. */
export function validate(input: unknown, bytes: number): ValidEvent | Rejection {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { reason: 'not_an_object' };
  if (bytes > MAX_EVENT_BYTES) return { reason: 'event_too_large' };
  const result = v.safeParse(EventSchema, input, { abortEarly: true });
  if (result.success) return result.output;
  return { reason: (result.issues[0]?.message ?? 'not_an_object') as RejectReason };
}
