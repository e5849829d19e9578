import { consentState, readChoice, saveChoice } from './consent/consent.ts';
import { showPrompt } from './consent/prompt.ts';
import { eventContext, pageProperties } from './context/context.ts';
import type { ConsentCategories, ConsentMethod, ConsentProperties, ConsentState, KithEvent } from './contract.ts';
import { createIdentity } from './identity/identity.ts';
import { createQueue } from './queue/queue.ts';

export type * from './contract.ts';

export interface KithOptions {
  writeKey: string;
  /** Origin of the collector, e.g. `https://kith.example.com`; default: this page's origin. */
  host?: string;
  /** Events per batch; default 15. */
  flushAt?: number;
  /** Milliseconds a queued event waits at most before its batch is sent; default 2000. */
  flushInterval?: number;
  /** Version of the site's privacy policy; a choice made for another version is asked again. Default '1'. */
  policyVersion?: string;
}

export type Properties = Record<string, unknown>;

export interface Kith {
  track(event: string, properties?: Properties): void;
  /** `properties` default to the page's url, path, referrer, title and search. */
  page(name?: string, properties?: Properties): void;
  identify(userId: string, traits?: Properties): void;
  consent: {
    /** The visitor's choice for this policy version, or null before one is made. */
    get(): ConsentState | null;
    /** Records a choice made outside the prompt (e.g. the site's own consent UI). */
    choose(categories: Partial<ConsentCategories>): void;
  };
  /** `anonymousId` exists only once analytics is granted. */
  user(): { anonymousId?: string; userId?: string };
  flush(): Promise<void>;
}

export function createKith({
  writeKey,
  host = '',
  flushAt = 15,
  flushInterval = 2000,
  policyVersion = '1',
}: KithOptions): Kith {
  if (!writeKey) throw new Error('kith: writeKey is required');
  const identity = createIdentity();
  const queue = createQueue({ url: host.replace(/\/$/, '') + '/v1/batch', writeKey, flushAt, flushInterval });
  let consent = readChoice(policyVersion);
  // Events tracked before a choice: in memory only, sent if analytics is granted, dropped if not.
  let held: KithEvent[] = [];
  let closePrompt: (() => void) | undefined;

  // The ID and consent are applied on release, so held events get what the choice brought.
  const release = (event: KithEvent, state: ConsentState) =>
    queue.push({ ...event, anonymousId: identity.anonymousId(), context: { ...event.context, consent: state } });

  const record = (event: Pick<KithEvent, 'type' | 'event' | 'name' | 'properties' | 'traits'>) => {
    const recorded: KithEvent = {
      ...event,
      messageId: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      userId: identity.userId(),
      context: eventContext(),
    };
    if (!consent) held.push(recorded);
    else if (consent.categories.analytics) release(recorded, consent);
  };

  const decide = (categories: Partial<ConsentCategories>, method: ConsentMethod) => {
    const state = consentState(policyVersion, categories);
    consent = state;
    saveChoice(state);
    closePrompt?.();
    const waiting = held;
    held = [];
    if (state.categories.analytics) {
      identity.persist();
      const properties = { ...state, method, locale: document.documentElement.lang || navigator.language };
      record({ type: 'consent', properties: properties satisfies ConsentProperties });
      for (const event of waiting) release(event, state);
    } else identity.forget();
  };

  if (!consent) {
    closePrompt = showPrompt((acceptAll) =>
      acceptAll ? decide({ analytics: true, marketing: true }, 'accept-all') : decide({}, 'reject-all'),
    );
  } else if (consent.categories.analytics) identity.persist();

  return {
    track: (event, properties = {}) => record({ type: 'track', event, properties }),
    page: (name, properties) => record({ type: 'page', name, properties: { ...pageProperties(), ...properties } }),
    identify(userId, traits = {}) {
      identity.identify(userId);
      record({ type: 'identify', traits });
    },
    consent: { get: () => consent, choose: (categories) => decide(categories, 'api') },
    user: () => ({ anonymousId: identity.anonymousId(), userId: identity.userId() }),
    flush: queue.flush,
  };
}
