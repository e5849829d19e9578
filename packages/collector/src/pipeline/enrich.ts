import type { KithEvent } from '@kith/sdk/contract';
import type { StoredEvent } from '../storage/storage.ts';
import { applyIpMode, type IpMode } from './ip.ts';
import { parseUserAgent } from './user-agent.ts';
import { isPlausibleTime } from './validate.ts';

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
  const corrected = Math.min(happened - skew, received);
  // Shifted out of the range of dates (a time and a sentAt at opposite extremes): the time as sent.
  return new Date(isPlausibleTime(corrected) ? corrected : Math.min(happened, received));
}

/**
 * Per batch: adds to each event the IP (a server-side sender may pass its visitor's in context.ip),
 * parsed user agent and geo in Segment's context fields (what a client library already set, e.g. a
 * mobile device, wins), the corrected timestamp and the arrival times. What is the same for every
 * event of the batch is worked out once.
 */
export function createEnricher(arrival: Arrival): (event: KithEvent) => StoredEvent {
  const receivedAt = arrival.receivedAt.toISOString();
  const sentAt = arrival.sentAt?.toISOString();
  const clientIp = applyIpMode(arrival.clientAddress, arrival.ipMode);

  const enrichContext = (context: KithEvent['context']): NonNullable<KithEvent['context']> => {
    const enriched: NonNullable<KithEvent['context']> = { ...context };
    const ip = typeof enriched.ip === 'string' ? applyIpMode(enriched.ip, arrival.ipMode) : clientIp;
    if (ip === undefined) delete enriched.ip;
    else enriched.ip = ip;
    if (typeof enriched.userAgent === 'string') {
      const parsed = parseUserAgent(enriched.userAgent);
      for (const key in parsed) enriched[key] ??= parsed[key as keyof typeof parsed];
    }
    if (arrival.geo) enriched.location ??= arrival.geo;
    return enriched;
  };

  return (event) => {
    const stored: StoredEvent = {
      ...event,
      context: enrichContext(event.context),
      site: arrival.site,
      timestamp: event.timestamp === undefined ? receivedAt : correctTimestamp(event.timestamp, arrival).toISOString(),
      receivedAt,
    };
    if (event.timestamp !== undefined) stored.originalTimestamp = event.timestamp;
    if (sentAt) stored.sentAt = sentAt;
    return stored;
  };
}
