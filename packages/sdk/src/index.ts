import { loadBanner, openBanner } from './consent/lazy-banner.ts';
import { consentModeDefault, consentModeUpdate } from './consent/consent-mode.ts';
import { consentState, optionalCategories, readChoice, saveChoice } from './consent/consent.ts';
import { createConsentGate, type Recorded } from './consent/gate.ts';
import type { SiteCategory, TextKey } from './consent/texts.ts';
import { campaignOf, eventContext, pageProperties } from './context/context.ts';
import { onNavigation } from './context/navigation.ts';
import type { ConsentCategories, ConsentState, KithEvent, LinkerRedeemRequest, LinkerRequest } from './contract.ts';
import { registrableDomain } from './cookie.ts';
import { createIdentity } from './identity/identity.ts';
import { arrivalToken, decorateLinks } from './identity/linker.ts';
import { afterLoad, nextTask } from './later.ts';
import { post } from './queue/post.ts';
import { createQueue, type Queue } from './queue/queue.ts';

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
  /** The domain the cookies go on, e.g. `shop.example`; default: the registrable domain, found by probing from the top down. */
  cookieDomain?: string;
  /**
   * The site's other domains (subdomains included), e.g. `['shop-b.example']`: with analytics consent, a
   * click on a link to one of them adds a one-time `_kith` token that links the visitor's IDs there.
   */
  linkerDomains?: string[];
}

export type Properties = Record<string, unknown>;

export interface Kith {
  track(event: string, properties?: Properties): void;
  /** `properties` default to the page's url, path, referrer, title and search. */
  page(name?: string, properties?: Properties): void;
  identify(userId: string, traits?: Properties): void;
  /** The same person under a new user ID (`previousId` default: the current user ID, else the anonymous ID); adopts `newId`. */
  alias(newId: string, previousId?: string): void;
  group(groupId: string, traits?: Properties): void;
  /** Logout: forgets the user ID and starts a new anonymous ID, so the next person on the device is not joined to the last. */
  reset(): void;
  /**
   * Resolves once the stored choice is read, a task after `createKith` returned (so the page's own
   * start goes first), and applied: IDs read, held events released, or else the banner built (it shows
   * after the next frame). Calls made before need not wait: they are held, as before a choice.
   */
  ready(): Promise<void>;
  consent: {
    /** The visitor's choice for this policy version; null before one is made, and before `ready()`. */
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

export function createKith(options: KithOptions): Kith {
  const { writeKey, host = '', trackPages, consent: consentOptions = {}, cookieDomain, linkerDomains } = options;
  if (!writeKey) throw Error('kith: writeKey is required');
  const {
    policyVersion = options.policyVersion ?? '1',
    lifetimeDays,
    categories = {},
    googleConsentMode,
  } = consentOptions;
  // Google tags read the default when they start, so it goes first.
  if (googleConsentMode) consentModeDefault();
  const optional = optionalCategories(Object.keys(categories));
  const domain = () => cookieDomain ?? registrableDomain();
  const identity = createIdentity(domain);
  const collector = host.replace(/\/$/, '') + '/v1/';
  // Without a stored choice the banner will show: its module loads while the page is parsed, not after.
  if (!readChoice(policyVersion, optional, lifetimeDays)) void loadBanner(collector);
  // Made on start: nothing reaches it before.
  let queue: Queue;
  // Taken out of the address bar at once; redeemed once analytics is granted, dropped if it is not.
  let linkerToken = arrivalToken();
  // A choice, stored or new: the banner closes, Google's tags are told; with analytics the IDs are read
  // or made, then the arrival is linked; without, they go.
  const apply = (state: ConsentState) => {
    close();
    if (googleConsentMode) consentModeUpdate(state);
    if (gate.granted()) {
      identity.persist();
      // The answer only says which ID the token carried: nothing to do with it, not even on an error.
      if (linkerToken) {
        post(collector + 'linker/redeem', {
          writeKey,
          token: linkerToken,
          anonymousId: identity.anonymousId()!,
        } satisfies LinkerRedeemRequest).catch(() => {});
      }
    } else identity.forget();
    linkerToken = undefined;
  };
  // The campaign is the landing page's: it stays with the visit through client-side navigation.
  const landing = location.search;
  let closeBanner: (() => void) | undefined;
  const close = () => {
    closeBanner?.();
    closeBanner = undefined;
  };

  // Every hand-over to the queue goes through this chain, so a consent event, whose proof is
  // hashed asynchronously, still leaves before the events it released, and a withdrawal clears
  // the queue after whatever was tracked before it.
  // Its first step, a task after the script, reads the stored choice; until then, a choice or an
  // `open()` waits in it too.
  let sequence: Promise<unknown> = nextTask().then(start);
  const inOrder = (step: (queue: Queue) => unknown) => {
    sequence = sequence.then(() => step(queue)).catch(reportError);
  };
  // At once if started, else in order once it has.
  const whenStarted = (step: () => unknown) => (queue ? step() : inOrder(step));
  // Steps may add steps: done when the chain has stopped growing.
  const settled = async () => {
    for (let last; last != sequence;) await (last = sequence);
  };

  const make = (event: Recorded): KithEvent => ({
    ...event,
    messageId: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    userId: identity.userId(),
    context: eventContext(campaignOf(landing)),
  });

  // Events tracked before a choice are held by the gate until one is made.
  const gate = createConsentGate(
    identity,
    (chosen) => {
      const state = consentState(policyVersion, chosen, optional);
      saveChoice(state, lifetimeDays, domain());
      return state;
    },
    apply,
    make,
    inOrder,
  );
  const record = gate.record;

  const open = () => {
    closeBanner ??= openBanner({
      ...consentOptions,
      collector,
      gpc: !!(navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl,
      current: gate.current()?.categories,
      onChoice: gate.decide,
      onDismiss: gate.current() ? close : undefined,
    });
  };

  // Everything that needs the stored choice, once it is read. Without one the banner opens (it shows
  // itself in the next frame); with one, what was tracked meanwhile is released or dropped.
  function start() {
    queue = createQueue({
      url: collector + 'batch',
      writeKey,
      flushAt: options.flushAt ?? 15,
      flushInterval: options.flushInterval ?? 2000,
      persists: gate.granted,
      restore: identity.restore,
      restored: identity.restored,
    });
    const stored = readChoice(policyVersion, optional, lifetimeDays);
    if (!stored) open();
    else {
      gate.adopt(stored).forEach(queue.push);
      // What an earlier page could not send, once this one has loaded.
      afterLoad(queue.flush);
    }
    if (linkerDomains) {
      decorateLinks(
        linkerDomains,
        () => (gate.granted() ? (domain() ?? location.hostname) : undefined),
        (target, signal) =>
          post(
            collector + 'linker',
            { writeKey, anonymousId: identity.anonymousId()!, target } satisfies LinkerRequest,
            signal,
          ),
      );
    }
  }

  const page: Kith['page'] = (name, properties) =>
    record({ type: 'page', name, properties: { ...pageProperties(), ...properties } });
  if (trackPages == 'spa') onNavigation(() => page());

  return {
    track: (event, properties = {}) => record({ type: 'track', event, properties }),
    page,
    identify(userId, traits = {}) {
      identity.identify(userId);
      record({ type: 'identify', traits });
    },
    alias(newId, previousId = identity.userId()) {
      identity.identify(newId);
      // Without a user ID, the anonymous ID is filled in on release, once it exists.
      record({ type: 'alias', previousId });
    },
    group: (groupId, traits = {}) => record({ type: 'group', groupId, traits }),
    reset: gate.reset,
    ready: settled,
    consent: {
      get: gate.current,
      choose: (categories) => void whenStarted(() => gate.decide(categories, 'api')),
      open: () => void whenStarted(open),
      onChange: gate.onChange,
    },
    user: () => ({ anonymousId: identity.anonymousId(), userId: identity.userId() }),
    flush: () => settled().then(() => queue.flush()),
  };
}
