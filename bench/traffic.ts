// Realistic traffic for the benches: the events the Kith SDK sends from a shop's pages, and a
// synthetic shop whose visitors return, log in, and use more than one browser, so storage holds
// many anonymous IDs and user IDs the way a real history does. Seeded: every run is the same.
import type { IdentityLink, TraitsUpdate } from '../packages/collector/src/storage/storage.ts';
import type { KithEvent } from '../packages/sdk/src/contract.ts';

export const EVENTS_PER_BATCH = 20;

const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
export const TRAITS = { email: 'kim@mail.example', firstName: 'Kim', plan: 'member' };
const PRODUCT_EVENTS = [
  'Product Viewed',
  'Product Viewed',
  'Product Added',
  'Cart Viewed',
  'Checkout Started',
  'Order Completed',
];

/**
 * The audience benches' events of a visitor, in turn: five in a row nearly always hold an order, so
 * nearly every visit changes what the definitions say (the costly case for audiences).
 */
export const BUYING_VISIT = [
  'Product Viewed',
  'Product Viewed',
  'Product Viewed',
  'Product Added',
  'Checkout Started',
  'Order Completed',
];

/** The audience benches' twenty definitions a shop might keep: 3 computed traits, 10 audiences, the 7 default stages. */
export const AUDIENCE_DEFINITIONS = {
  traits: [
    { key: 'lifetime_revenue', definition: "event('Order Completed').sum(property('revenue'))" },
    { key: 'favourite_category', definition: "event('Product Viewed').within(30 days).mode(property('category'), 1)" },
    { key: 'orders_last_year', definition: "event('Order Completed').within(365 days).count()" },
  ],
  audiences: [
    { key: 'repeat_buyers', definition: "event('Order Completed').within(365 days).count() >= 2" },
    { key: 'big_spenders', definition: "trait('lifetime_revenue') > 100" },
    {
      key: 'big_orders',
      definition: "event('Order Completed').where( property('revenue') > 100 ).within(30 days).count() >= 1",
    },
    { key: 'browsers', definition: "event('Product Viewed').within(7 days).count() >= 3" },
    {
      key: 'cart_abandoners',
      definition:
        "event('Product Added').within(7 days).count() >= 1 AND event('Order Completed').within(7 days).count() = 0",
    },
    { key: 'shoes_fans', definition: "event('Product Viewed').where( property('category') = 'shoes' ).count() >= 2" },
    {
      key: 'lapsed_customers',
      definition: "event('Order Completed').count() >= 1 AND event('Order Completed').within(60 days).count() = 0",
    },
    { key: 'new_visitors', definition: "event('Product Viewed').between(0 days, 2 days).count() >= 1" },
    { key: 'checkout_starters', definition: "event('Checkout Started').within(30 days).count() >= 1" },
    { key: 'pro_plan', definition: "trait('plan') = 'pro'" },
  ],
  stages: 'default' as const,
};

/** One event as the SDK sends it from a product page, with its full browser context. */
export function browserEvent(fields: {
  type: 'page' | 'track' | 'identify';
  messageId: string;
  anonymousId: string;
  userId?: string;
  event?: string;
  sku?: number;
  timestamp?: string;
  /** A track event's properties, if not a product's (productProperties). */
  properties?: Record<string, unknown>;
}): KithEvent {
  const sku = `sku-${fields.sku ?? 0}`;
  return {
    type: fields.type,
    messageId: fields.messageId,
    anonymousId: fields.anonymousId,
    ...(fields.userId ? { userId: fields.userId } : {}),
    ...(fields.type === 'track'
      ? {
          event: fields.event ?? 'Product Viewed',
          properties: fields.properties ?? productProperties(fields.sku ?? 0),
        }
      : {}),
    ...(fields.type === 'page' ? { properties: { path: `/product/${sku}`, title: 'Kith Mug' } } : {}),
    ...(fields.type === 'identify' ? { traits: TRAITS } : {}),
    timestamp: fields.timestamp ?? new Date().toISOString(),
    context: {
      page: {
        url: `https://shop.example/product/${sku}?ref=home`,
        path: `/product/${sku}`,
        referrer: 'https://shop.example/',
        title: 'Kith Mug',
        search: '?ref=home',
      },
      userAgent: USER_AGENT,
      locale: 'de-DE',
      timezone: 'Europe/Berlin',
      screen: { width: 1920, height: 1080 },
      library: { name: 'kith', version: '0.1.0' },
      consent: { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: false } },
    },
  };
}

/** A product event's properties (Segment's e-commerce spec), as the shop's pages send them. */
export function productProperties(sku: number): Record<string, unknown> {
  return { sku: `sku-${sku}`, name: 'Kith Mug', price: 12.5, currency: 'EUR', category: 'kitchen' };
}

/**
 * The Cookie header a returning browser sends to the collector on the shop's own domain: the cookies
 * the collector set (`Set-Cookie` lines of its answer to the first visit, the device ID) and the SDK's
 * own, its anonymous ID and the visitor's consent (analytics granted, marketing not).
 */
export function browserCookieHeader(setCookies: string[], anonymousId: string): string {
  const collectorCookies = setCookies.map((line) => line.split(';')[0]!);
  return [...collectorCookies, `kith_aid=${anonymousId}`, 'kith_consent=v=1&a=1&m=0&t=1764748800'].join('; ');
}

/** mulberry32: small, fast and good enough to draw a synthetic shop's traffic. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID-shaped ID, as the SDK (anonymous IDs) and the collector (device IDs) make them. */
function uuid(random: () => number): string {
  const hex = (n: number) =>
    Math.floor(random() * 16 ** n)
      .toString(16)
      .padStart(n, '0');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(6)}${hex(6)}`;
}

export interface Visitor {
  anonymousId: string;
  deviceId: string;
  /** Index into `Shop.users` once this browser has logged in, else -1. */
  user: number;
}

/** A visit: one browser's page views and product events, in order. */
export interface Session {
  visitor: Visitor;
  /** True on the visitor's first session. */
  first: boolean;
  /** True when the visitor logs in during this session (identify, then the user ID on every event). */
  login: boolean;
  events: number;
}

/**
 * The shop's traffic, session by session. About half of the sessions come from returning browsers.
 * A new browser is a stranger (70%), a new customer who registers (15%), or an existing customer on
 * a second browser or device (up to 15%), so persons have 2 to 5 IDs: each browser an anonymous ID
 * and a device ID (the collector's cookie), a customer also a user ID.
 */
export function createShop(seed: number) {
  const random = seededRandom(seed);
  const visitors: Visitor[] = [];
  const users: string[] = [];
  /** Browsers each user has logged in on. */
  const browsers: number[] = [];
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;

  function nextSession(): Session {
    const events = 3 + Math.floor(random() * 15);
    if (visitors.length > 0 && random() < 0.5) {
      const visitor = pick(visitors);
      return { visitor, first: false, login: false, events };
    }
    const visitor: Visitor = { anonymousId: uuid(random), deviceId: uuid(random), user: -1 };
    visitors.push(visitor);
    const draw = random();
    if (draw < 0.15) {
      visitor.user = users.push(`cus_${uuid(random).slice(0, 18)}`) - 1;
      browsers.push(1);
    } else if (draw < 0.3 && users.length > 0) {
      // A customer uses at most two browsers here, so a person has at most 5 IDs.
      const user = Math.floor(random() * users.length);
      if (browsers[user]! < 2) {
        visitor.user = user;
        browsers[user]!++;
      }
    }
    return { visitor, first: true, login: visitor.user >= 0, events };
  }

  /** The event types of a session, in order: a page view, then product events, some page views. */
  function eventKind(index: number): { type: 'page' | 'track'; event?: string } {
    if (index === 0 || random() < 0.25) return { type: 'page' };
    return { type: 'track', event: pick(PRODUCT_EVENTS) };
  }

  return { visitors, users, pick, nextSession, eventKind };
}

export type Shop = ReturnType<typeof createShop>;

/**
 * What the collector learns on a browser's first session, as its ingest writes it: the device
 * cookie bound to the anonymous ID, and on a login, the anonymous ID linked to the user with traits.
 */
export function firstVisitIdentity(
  site: string,
  visitor: Visitor,
  userId: string | undefined,
  at: string,
  source: { request: string; identify?: string },
) {
  const anonymous = { kind: 'anonymous', id: visitor.anonymousId } as const;
  const links: IdentityLink[] = [
    { site, from: { kind: 'device', id: visitor.deviceId }, to: anonymous, how: 'cookie', source: source.request, at },
  ];
  const traits: TraitsUpdate[] = [];
  if (userId) {
    const user = { kind: 'user', id: userId } as const;
    links.push({ site, from: anonymous, to: user, how: 'login', source: source.identify ?? source.request, at });
    traits.push({ site, node: user, traits: TRAITS, at });
  }
  return { links, traits };
}

/** What the SDK's queue sends: a page view, then what the visitor did on it, each with a random v4 messageId (`crypto.randomUUID`). */
export interface BrowserBatch {
  body: string;
  messageIds: string[];
}

/**
 * One 20-event batch of one browser as the SDK sends it (`text/plain` JSON with the write key in the
 * body): page views and product events in the order a visit makes them, over the seconds before
 * `sentAt`, each with a random v4 messageId, so the `(site, messageId)` index is written in random order.
 */
export function browserBatch(shop: Shop, anonymousId: string, writeKey: string, random: () => number): BrowserBatch {
  const sentAt = Date.now();
  const messageIds: string[] = [];
  const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
    const messageId = crypto.randomUUID();
    messageIds.push(messageId);
    const timestamp = new Date(sentAt - (EVENTS_PER_BATCH - i) * 1500).toISOString();
    return browserEvent({ ...shop.eventKind(i), messageId, anonymousId, sku: Math.floor(random() * 400), timestamp });
  });
  return { body: JSON.stringify({ batch, sentAt: new Date(sentAt).toISOString(), writeKey }), messageIds };
}

/** The headers a browser adds to the SDK's fetch from the shop's page, the collector on the shop's own origin. */
export const BROWSER_HEADERS = {
  'content-type': 'text/plain;charset=UTF-8',
  origin: 'https://shop.example',
  referer: 'https://shop.example/product/sku-1?ref=home',
  'user-agent': USER_AGENT,
  'accept-language': 'de-DE,de;q=0.9,en;q=0.8',
  'sec-fetch-site': 'same-origin',
  'sec-fetch-mode': 'cors',
  'sec-fetch-dest': 'empty',
};
