import { openBanner } from './consent/banner.ts';
import { consentModeDefault, consentModeUpdate } from './consent/consent-mode.ts';
import { consentState, optionalCategories, readChoice, saveChoice } from './consent/consent.ts';
import { consentProperties } from './consent/proof.ts';
import { bannerTexts, type SiteCategory, type TextKey } from './consent/texts.ts';
import { campaignOf, eventContext, pageProperties } from './context/context.ts';
import { onNavigation } from './context/navigation.ts';
import type { ConsentCategories, ConsentMethod, ConsentState, KithEvent } from './contract.ts';
import { createIdentity } from './identity/identity.ts';
import { createQueue } from './queue/queue.ts';

export type * from './contract.ts';
export type { SiteCategory, TextKey };

export interface ConsentOptions {
  /** Version of the site's privacy policy; a choice made for another version is asked again. Default '1'. */
  policyVersion?: string;
  /** Days a choice stands before it is asked again; default 182 (six months), at most 395 (13 months). */
  lifetimeDays?: number;
  /** The site's own categories, shown after `analytics` and `marketing`, by name: `{ video: { label, description } }`. */
  categories?: Record<string, SiteCategory>;
  /** Replacements for the banner's texts, by key, e.g. `{ title: 'Cookies' }`. */
  texts?: Partial<Record<TextKey, string>>;
  /** Linked from the banner, which stays open while the visitor reads them. */
  privacyUrl?: string;
  imprintUrl?: string;
  /** Values for the banner's CSS custom properties, by name without `--kith-`: bg, fg, accent, accent-fg, radius, font. */
  theme?: Record<string, string>;
  /** Push Google Consent Mode v2 signals onto `window.dataLayer`. */
  googleConsentMode?: boolean;
}

export interface KithOptions {
  writeKey: string;
  /** Origin of the collector, e.g. `https://kith.example.com`; default: this page's origin. */
  host?: string;
  /** Events per batch; default 15. */
  flushAt?: number;
  /** Milliseconds a queued event waits at most before its batch is sent; default 2000. */
  flushInterval?: number;
  /**
   * `'spa'`: also a `page()` after each client-side navigation to another path (`history.pushState`,
   * `replaceState`, back/forward, a new hash). The page's first view is still the site's own `page()` call.
   */
  trackPages?: 'spa';
  /** Same as `consent.policyVersion`, which wins when both are given. */
  policyVersion?: string;
  consent?: ConsentOptions;
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
    /** Records a choice made outside the banner (e.g. the site's own consent UI). */
    choose(categories: Partial<ConsentCategories>): void;
    /** Opens the banner again, on the switches showing the current choice: a footer's "Cookie settings" link. */
    open(): void;
    /** Calls `listener` on every choice from now on; returns a function that stops it. */
    onChange(listener: (state: ConsentState) => void): () => void;
  };
  /** `anonymousId` exists only once analytics is granted. */
  user(): { anonymousId?: string; userId?: string };
  flush(): Promise<void>;
}

/** Events tracked before a choice are held in memory; past this many, the rest are dropped and counted. */
const MAX_HELD = 100;

export function createKith({
  writeKey,
  host = '',
  flushAt = 15,
  flushInterval = 2000,
  trackPages,
  policyVersion: legacyPolicyVersion,
  consent: options = {},
}: KithOptions): Kith {
  if (!writeKey) throw new Error('kith: writeKey is required');
  const { policyVersion = legacyPolicyVersion ?? '1', lifetimeDays, categories = {}, googleConsentMode } = options;
  // Google tags read the default when they start, so it goes first.
  if (googleConsentMode) consentModeDefault();
  const optional = optionalCategories(Object.keys(categories));
  const gpc = (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  const identity = createIdentity();
  let consent = readChoice(policyVersion, optional, lifetimeDays);
  const queue = createQueue({
    url: host.replace(/\/$/, '') + '/v1/batch',
    writeKey,
    flushAt,
    flushInterval,
    persists: () => !!consent?.categories.analytics,
  });
  // The campaign is the landing page's: it stays with the visit through client-side navigation.
  const campaign = campaignOf(location.search);
  // Events tracked before a choice: in memory only, sent if analytics is granted, dropped if not.
  let held: KithEvent[] = [];
  let heldDropped = 0;
  let closeBanner: (() => void) | undefined;
  const listeners = new Set<(state: ConsentState) => void>();

  // Every hand-over to the queue goes through this chain, so a consent event, whose proof is
  // hashed asynchronously, still leaves before the events it released, and a withdrawal clears
  // the queue after whatever was tracked before it.
  let sequence: Promise<unknown> = Promise.resolve();
  const inOrder = (step: () => unknown) => {
    sequence = sequence.then(step).catch(reportError);
  };

  // The ID and consent are applied on release, so held events get what the choice brought.
  const stamp = (event: KithEvent, state: ConsentState, anonymousId = identity.anonymousId()): KithEvent => ({
    ...event,
    anonymousId,
    context: { ...event.context, consent: state },
  });

  const record = (event: Pick<KithEvent, 'type' | 'event' | 'name' | 'properties' | 'traits'>) => {
    const recorded: KithEvent = {
      ...event,
      messageId: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      userId: identity.userId(),
      context: eventContext(campaign),
    };
    if (!consent) {
      if (held.length < MAX_HELD) held.push(recorded);
      else heldDropped++;
    } else if (consent.categories.analytics) {
      const released = stamp(recorded, consent);
      inOrder(() => queue.push(released));
    }
  };

  const close = () => {
    closeBanner?.();
    closeBanner = undefined;
  };

  const decide = (chosen: Partial<ConsentCategories>, method: ConsentMethod, bannerText?: Record<string, string>) => {
    const previous = consent?.categories;
    const state = consentState(policyVersion, chosen, optional);
    const { categories: granted } = state;
    // In the banner, taking back what was granted while granting nothing new is a withdrawal,
    // whichever button did it.
    const revokes = (from: ConsentCategories, to: ConsentCategories) => optional.some((name) => from[name] && !to[name]);
    if (previous && bannerText && revokes(previous, granted) && !revokes(granted, previous)) method = 'withdraw';
    consent = state;
    saveChoice(state, lifetimeDays);
    close();
    if (googleConsentMode) consentModeUpdate(state);

    const waiting = held;
    held = [];
    if (granted.analytics) identity.persist();
    else identity.forget();
    // Proof of a choice is owed even when analytics is denied; it then goes under a one-time ID kept nowhere.
    const anonymousId = identity.anonymousId() ?? crypto.randomUUID();
    const proof = consentProperties(state, method, bannerText);
    const consentEvent: KithEvent = {
      type: 'consent',
      messageId: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      anonymousId,
      userId: granted.analytics ? identity.userId() : undefined,
      context: { ...eventContext(campaign), consent: state },
    };
    inOrder(async () => {
      if (!granted.analytics) queue.clear();
      queue.push({ ...consentEvent, properties: { ...(await proof) } });
      if (granted.analytics) for (const event of waiting) queue.push(stamp(event, state, anonymousId));
      void queue.flush();
    });
    if (heldDropped && granted.analytics) {
      console.warn(`kith: ${heldDropped} events tracked before the consent choice were dropped, over the limit of ${MAX_HELD}`);
    }
    heldDropped = 0;
    for (const listener of listeners) listener(state);
  };

  const open = () => {
    if (closeBanner) return;
    // Kept for the choice: the texts shown are the proof of what the visitor chose in.
    const texts = bannerTexts({ ...options, gpc });
    closeBanner = openBanner({
      ...options,
      texts,
      categories: optional,
      current: consent?.categories ?? null,
      onChoice(chosen, method) {
        // Global Privacy Control denies marketing unless the visitor switches it on in the settings.
        if (gpc && method == 'accept-all') decide({ ...chosen, marketing: false }, 'gpc', texts);
        else decide(chosen, method, texts);
      },
      onDismiss: consent ? close : undefined,
    });
  };

  if (!consent) open();
  else {
    if (googleConsentMode) consentModeUpdate(consent);
    if (consent.categories.analytics) {
      identity.persist();
      // What an earlier page could not send.
      void queue.flush();
    }
  }

  const page: Kith['page'] = (name, properties) => record({ type: 'page', name, properties: { ...pageProperties(), ...properties } });
  if (trackPages == 'spa') onNavigation(() => page());

  return {
    track: (event, properties = {}) => record({ type: 'track', event, properties }),
    page,
    identify(userId, traits = {}) {
      identity.identify(userId);
      record({ type: 'identify', traits });
    },
    consent: {
      get: () => consent,
      choose: (categories) => decide(categories, 'api'),
      open,
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    user: () => ({ anonymousId: identity.anonymousId(), userId: identity.userId() }),
    flush: () => sequence.then(queue.flush),
  };
}
