/** Why an event was quarantined: a stable code and what the sender should change. */
export const REJECT_REASONS = {
  not_an_object: 'Each event must be a JSON object.',
  invalid_type: 'type must be one of track, page, identify, alias, group, screen, consent.',
  invalid_message_id: 'messageId must be a string of 1-128 characters, made once per event.',
  invalid_anonymous_id: 'anonymousId must be a string of 1-256 characters.',
  invalid_user_id: 'userId must be a string of 1-256 characters (or a number).',
  placeholder_user_id:
    'userId (or an alias previousId) is a placeholder such as "null", "0", "guest" or "[object Object]"; send the real ID, or leave userId out.',
  missing_identity: 'Every event needs an anonymousId or a userId.',
  missing_event: 'A track call needs a non-empty event name of at most 200 characters.',
  invalid_name: 'name must be a string of at most 200 characters.',
  missing_previous_id: 'An alias call needs previousId and userId.',
  missing_group_id: 'A group call needs a groupId.',
  invalid_properties: 'properties must be a JSON object.',
  invalid_traits: 'traits must be a JSON object.',
  invalid_context: 'context must be a JSON object.',
  invalid_timestamp: 'timestamp must be an ISO-8601 date-time such as 2026-01-31T12:00:00.000Z.',
  invalid_consent:
    'A consent event needs properties.policyVersion (string), properties.categories (booleans) and properties.method.',
  banner_text_mismatch: 'properties.bannerTextHash must be the hex SHA-256 of JSON.stringify(properties.bannerText).',
  event_too_large: 'An event may be at most 32 KB of JSON; send large data elsewhere and reference it.',
  invalid_text: 'Text must be valid Unicode (no unpaired surrogates such as a lone \\ud800).',
  event_too_deep: 'An event may nest objects and arrays at most 32 levels deep.',
  no_consent: 'context.consent does not grant analytics, so the event was not stored.',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

export interface Rejection {
  reason: RejectReason;
}

export const isRejection = (value: unknown): value is Rejection =>
  typeof value === 'object' && value !== null && 'reason' in value && !('type' in value);
