import type { KithEvent } from '@kith/sdk/contract';
import type { ValidEvent } from './validate.ts';

const asId = (value: string | number | undefined) => (value === undefined ? undefined : String(value));

/** Brings a valid event to the one stored shape: string IDs and a messageId on every event. */
export function normalize(event: ValidEvent, newId: () => string): KithEvent {
  const normalized = { ...event, messageId: event.messageId ?? newId() } as KithEvent;
  // `context.kith` marks the collector's own audience events (audiences/reconcile.ts); a client may not forge one.
  if (normalized.context && 'kith' in normalized.context) {
    const { kith: _reserved, ...context } = normalized.context;
    normalized.context = context;
  }
  for (const key of ['anonymousId', 'userId', 'groupId', 'previousId'] as const) {
    if (key in event) normalized[key] = asId((event as Record<string, string | number | undefined>)[key]);
  }
  return normalized;
}
