import type { KithEvent } from '@kith/sdk/contract';
import type { StoredEvent } from '../storage/storage.ts';

export interface Arrival {
  site: string;
  receivedAt: Date;
  /** When the client says the batch left; with receivedAt it measures the client's clock skew. */
  sentAt?: Date;
}

/**
 * The client's clock may be off: as Segment does, shift the client timestamp by the skew seen
 * between sentAt and receivedAt. Nothing can happen after it arrived, so later times are clamped.
 */
export function correctTimestamp(original: string | undefined, arrival: Arrival): Date {
  const received = arrival.receivedAt.getTime();
  if (original === undefined) return arrival.receivedAt;
  const happened = Date.parse(original);
  const skew = arrival.sentAt ? arrival.sentAt.getTime() - received : 0;
  return new Date(Math.min(happened - skew, received));
}

export function enrich(event: KithEvent, arrival: Arrival): StoredEvent {
  const stored: StoredEvent = {
    ...event,
    site: arrival.site,
    timestamp: correctTimestamp(event.timestamp, arrival).toISOString(),
    receivedAt: arrival.receivedAt.toISOString(),
  };
  if (event.timestamp !== undefined) stored.originalTimestamp = event.timestamp;
  if (arrival.sentAt) stored.sentAt = arrival.sentAt.toISOString();
  return stored;
}
