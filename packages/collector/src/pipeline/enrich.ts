import type { KithEvent } from '@kith/sdk/contract';
import type { StoredEvent } from '../storage/storage.ts';
import { applyIpMode, type IpMode } from './ip.ts';
import { parseUserAgent } from './user-agent.ts';

/** Where the edge says the client is (Workers' request.cf); Segment's `context.location`. */
export interface Geo {
  country?: string;
  region?: string;
  city?: string;
}

export interface Arrival {
  site: string;
  receivedAt: Date;
  /** When the client says the batch left; with receivedAt it measures the client's clock skew. */
  sentAt?: Date;
  /** The sending client's address, before the site's IP mode is applied. */
  clientAddress?: string;
  geo?: Geo;
  ipMode: IpMode;
}

/**
 * The client's clock may be off: as Segment does, shift the client timestamp by the skew seen
 * between sentAt and receivedAt. Nothing can happen after it arrived, so later times are clamped.
 */
export function correctTimestamp(original: string | undefined, arrival: Pick<Arrival, 'receivedAt' | 'sentAt'>): Date {
  const received = arrival.receivedAt.getTime();
  if (original === undefined) return arrival.receivedAt;
  const happened = Date.parse(original);
  const skew = arrival.sentAt ? arrival.sentAt.getTime() - received : 0;
  return new Date(Math.min(happened - skew, received));
}

/**
 * IP (a server-side sender may pass its visitor's in context.ip), parsed user agent and geo,
 * in Segment's context fields; what a client library already set (e.g. a mobile device) wins.
 */
function enrichContext(context: KithEvent['context'], arrival: Arrival): NonNullable<KithEvent['context']> {
  const enriched: NonNullable<KithEvent['context']> = { ...context };
  const ip = applyIpMode(typeof enriched.ip === 'string' ? enriched.ip : arrival.clientAddress, arrival.ipMode);
  if (ip === undefined) delete enriched.ip;
  else enriched.ip = ip;
  if (typeof enriched.userAgent === 'string') {
    for (const [key, value] of Object.entries(parseUserAgent(enriched.userAgent))) enriched[key] ??= value;
  }
  if (arrival.geo) enriched.location ??= arrival.geo;
  return enriched;
}

export function enrich(event: KithEvent, arrival: Arrival): StoredEvent {
  const stored: StoredEvent = {
    ...event,
    context: enrichContext(event.context, arrival),
    site: arrival.site,
    timestamp: correctTimestamp(event.timestamp, arrival).toISOString(),
    receivedAt: arrival.receivedAt.toISOString(),
  };
  if (event.timestamp !== undefined) stored.originalTimestamp = event.timestamp;
  if (arrival.sentAt) stored.sentAt = arrival.sentAt.toISOString();
  return stored;
}
