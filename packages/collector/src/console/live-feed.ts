// The console's live view: the last events of each site, held in memory as ingest stored them.
// Recording is a few pointer writes per event; entries are shaped for the viewer only when someone
// asks. Refused events keep their type and reason, never their payload (nothing consent refused is
// kept, not even here).
import type { RejectedItem } from '@kith/sdk/contract';
import type { ConsentRecord, StoredEvent } from '../storage/storage.ts';

export const LIVE_CAPACITY = 500;

/** An event as the live view shows it. */
export interface LiveEntry {
  seq: number;
  receivedAt: string;
  status: 'accepted' | 'refused';
  type: string;
  /** The track event's name, the page's name or path. */
  name?: string;
  anonymousId?: string;
  userId?: string;
  deviceId?: string;
  reason?: string;
  message?: string;
}

interface Refused {
  refused: true;
  type: string;
  reason: string;
  message: string;
  receivedAt: string;
}

type Held = StoredEvent | ConsentRecord | Refused;

export interface LiveFeed {
  /** Called by ingest once a request's events are stored (or refused). */
  record(
    site: string,
    receivedAt: string,
    events: StoredEvent[],
    consents: ConsentRecord[],
    rejected: RejectedItem[],
    items: unknown[],
  ): void;
  /** The site's entries after `after`, oldest first. */
  since(site: string, after: number): LiveEntry[];
  /** Resolves at the next record for any site, or after `ms`. */
  next(ms: number): Promise<void>;
  /** Drops what the live view holds of these IDs (an erasure). */
  forget(site: string, ids: { userIds: string[]; anonymousIds: string[]; deviceIds: string[] }): void;
}

interface Ring {
  held: (Held | undefined)[];
  seqs: number[];
  /** Sequence of the newest entry; entry n sits at n % LIVE_CAPACITY. */
  last: number;
}

export function createLiveFeed(): LiveFeed {
  const rings = new Map<string, Ring>();
  let waiting: (() => void)[] = [];

  const push = (ring: Ring, held: Held) => {
    const seq = ++ring.last;
    ring.held[seq % LIVE_CAPACITY] = held;
    ring.seqs[seq % LIVE_CAPACITY] = seq;
  };

  return {
    record(site, receivedAt, events, consents, rejected, items) {
      let ring = rings.get(site);
      if (!ring)
        rings.set(site, (ring = { held: new Array(LIVE_CAPACITY), seqs: new Array(LIVE_CAPACITY).fill(0), last: 0 }));
      for (const event of events) push(ring, event);
      for (const consent of consents) push(ring, consent);
      for (const { index, reason, message } of rejected) {
        const type = (items[index] as { type?: unknown } | null)?.type;
        push(ring, {
          refused: true,
          type: typeof type === 'string' ? type.slice(0, 20) : '?',
          reason,
          message,
          receivedAt,
        });
      }
      if (waiting.length > 0) {
        const wake = waiting;
        waiting = [];
        wake.forEach((resolve) => resolve());
      }
    },

    since(site, after) {
      const ring = rings.get(site);
      if (!ring) return [];
      const entries: LiveEntry[] = [];
      for (let seq = Math.max(after + 1, ring.last - LIVE_CAPACITY + 1); seq <= ring.last; seq++) {
        const held = ring.held[seq % LIVE_CAPACITY];
        if (held && ring.seqs[seq % LIVE_CAPACITY] === seq) entries.push(entryOf(seq, held));
      }
      return entries;
    },

    next(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting = waiting.filter((w) => w !== wake);
          resolve();
        }, ms);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiting.push(wake);
      });
    },

    forget(site, ids) {
      const ring = rings.get(site);
      if (!ring) return;
      const named = new Set([
        ...ids.userIds.map((id) => `u:${id}`),
        ...ids.anonymousIds.map((id) => `a:${id}`),
        ...ids.deviceIds.map((id) => `d:${id}`),
      ]);
      ring.held.forEach((held, i) => {
        if (!held || 'refused' in held) return;
        const device = 'deviceId' in held ? held.deviceId : undefined;
        if (named.has(`u:${held.userId}`) || named.has(`a:${held.anonymousId}`) || named.has(`d:${device}`))
          ring.held[i] = undefined;
      });
    },
  };
}

function entryOf(seq: number, held: Held): LiveEntry {
  if ('refused' in held)
    return {
      seq,
      receivedAt: held.receivedAt,
      status: 'refused',
      type: held.type,
      reason: held.reason,
      message: held.message,
    };
  const entry: LiveEntry = { seq, receivedAt: held.receivedAt, status: 'accepted', type: 'consent' };
  if ('consent' in held) entry.name = held.consent.method;
  else {
    entry.type = held.type;
    const path = (held.properties as { path?: unknown } | undefined)?.path;
    const name = held.event ?? held.name ?? (typeof path === 'string' ? path : undefined);
    if (name !== undefined) entry.name = name.slice(0, 200);
    if (held.deviceId) entry.deviceId = held.deviceId;
  }
  if (held.anonymousId) entry.anonymousId = held.anonymousId.slice(0, 200);
  if (held.userId) entry.userId = held.userId.slice(0, 200);
  return entry;
}
