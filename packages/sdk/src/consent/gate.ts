// The consent gate: before a choice nothing is stored or sent. Events tracked meanwhile wait in
// memory; a choice that grants analytics stamps them with the IDs and consent it brought and
// releases them, one that does not drops them. Every choice becomes a consent event: the proof.
import type { ConsentCategories, ConsentMethod, ConsentState, KithEvent } from '../contract.ts';
import type { Identity } from '../identity/identity.ts';
import { warnDropped, type Queue } from '../queue/queue.ts';
import { consentProperties, type BannerProof } from './proof.ts';

/** What a call records; make() adds the ID, time, user ID and context. */
export type Recorded = Pick<KithEvent, 'type' | 'event' | 'name' | 'properties' | 'traits' | 'previousId' | 'groupId'>;

/** Events tracked before a choice are held in memory; past this many, the rest are dropped and counted. */
const MAX_HELD = 100;

export interface ConsentGate {
  /** The choice for this policy version; null before one is made or read. */
  current(): ConsentState | null;
  granted(): boolean;
  record(event: Recorded): void;
  /** Logout: a new anonymous ID; before a choice, done in its place among the held events. */
  reset(): void;
  /** A choice stored by an earlier page, applied; returns what was tracked meanwhile, if it may be sent. */
  adopt(state: ConsentState): KithEvent[];
  decide(chosen: Partial<ConsentCategories>, method: ConsentMethod, proof?: BannerProof): void;
  onChange(listener: (state: ConsentState) => void): () => void;
}

/**
 * Positional parameters: the minifier shortens their names, not an options object's keys, and every
 * byte counts against the SDK's budget.
 * - `choose` makes the consent state for a choice and stores it;
 * - `apply` brings a choice into effect on the page (the banner closed, Google's tags told, the IDs
 *   kept or forgotten);
 * - `make` makes a new event of a type (ID, time, user ID, context);
 * - `send` runs a step with the queue after every step handed over before (see createKith).
 */
export function createConsentGate(
  identity: Identity,
  choose: (chosen: Partial<ConsentCategories>) => ConsentState,
  apply: (state: ConsentState) => void,
  make: (event: Recorded) => KithEvent,
  send: (step: (queue: Queue) => unknown) => void,
): ConsentGate {
  let consent: ConsentState | null = null;
  const granted = () => !!consent?.categories.analytics;
  // A `reset()` among the held events is held too (as null).
  let held: (KithEvent | null)[] = [];
  let heldDropped = 0;
  const listeners = new Set<(state: ConsentState) => void>();

  // The ID and consent are applied on release, so held events get what the choice brought.
  const stamp = (event: KithEvent, state: ConsentState): KithEvent => {
    const anonymousId = identity.anonymousId();
    const released = { ...event, anonymousId, context: { ...event.context, consent: state } };
    if (event.type == 'alias') released.previousId ??= anonymousId;
    return released;
  };

  // The events held before the choice: stamped with it when it grants analytics, else dropped.
  const release = (state: ConsentState) => {
    const analytics = granted();
    const released = analytics ? held.flatMap((event) => (event ? [stamp(event, state)] : (identity.renew(), []))) : [];
    if (analytics) warnDropped(heldDropped, `over the ${MAX_HELD} held before the consent choice`);
    held = [];
    heldDropped = 0;
    return released;
  };

  return {
    current: () => consent,
    granted,
    record(event) {
      const recorded = make(event);
      if (!consent) {
        if (held.length < MAX_HELD) held.push(recorded);
        else heldDropped++;
      } else if (granted()) {
        const released = stamp(recorded, consent);
        send((queue) => queue.push(released));
      }
    },
    reset() {
      identity.reset();
      if (!consent) held.push(null);
    },
    adopt(state) {
      consent = state;
      apply(state);
      return release(state);
    },
    decide(chosen, method, proof) {
      const state = (consent = choose(chosen));
      const analytics = granted();
      apply(state);
      const choice = stamp(make({ type: 'consent' }), state);
      // Proof of a choice is owed even when analytics is denied; it then goes under a one-time ID kept nowhere.
      choice.anonymousId ??= crypto.randomUUID();
      const properties = consentProperties(state, method, proof);
      const released = release(state);
      send(async (queue) => {
        if (!analytics) queue.clear();
        choice.properties = { ...(await properties) };
        [choice, ...released].forEach(queue.push);
        void queue.flush();
      });
      listeners.forEach((listener) => listener(state));
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
