import type { Campaign, ConsentChoice, FigureEvent, FunnelReach, SiteVisitors } from '../storage/storage.ts';

/** A shop's figures for a period, all on persons: a customer on two devices counts once. */
export interface Figures {
  from: string;
  to: string;
  visitors: number;
  /** Visitors known by a user ID (logged in on some device), and their share. */
  identified: number;
  identifiedShare: number;
  /** Visitors with an `Order Completed` in the period, and their share of the visitors. */
  customers: number;
  conversionRate: number;
  orders: number;
  revenue: number;
  averageOrderValue: number;
  /** Customers with two orders or more in the period, and their share of the customers. */
  repeatCustomers: number;
  repeatPurchaseRate: number;
  /** Customers by the month of their first order ever (within the period), and how many of them ordered in each month since. */
  cohorts: { month: string; customers: number; ordering: number[] }[];
  funnel: FunnelStep[];
  /** Orders and revenue by the campaign that first, and that last, brought the person before the order, across their devices. */
  attribution: { firstTouch: Attributed[]; lastTouch: Attributed[] };
  consent: { choices: number; analytics: number; marketing: number; byMethod: Record<string, number> };
}

export interface FunnelStep {
  event: string;
  /** Persons who did this step after the ones before it, in order. */
  persons: number;
  /** Their share of the previous step's persons (1 for the first step). */
  conversion: number;
  /** What these persons ordered in the period. */
  revenue: number;
}

/** A campaign (null fields: no campaign, "direct") and what is attributed to it. */
export interface Attributed {
  source: string | null;
  medium: string | null;
  name: string | null;
  orders: number;
  revenue: number;
}

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const monthOf = (timestamp: string) => timestamp.slice(0, 7);
const monthsBetween = (from: string, to: string) =>
  (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));

/** What the storage counted already: the persons seen (storage.siteVisitors) and how far each got through the funnel (storage.siteFunnel). */
export interface Counted {
  visitors: SiteVisitors;
  funnel: readonly FunnelReach[];
}

/**
 * The figures of [from, to) from the site's orders and campaign touches up to `to` (earlier ones tell
 * first orders and the campaigns that brought a person before the period), what the storage counted,
 * and the period's consent choices.
 */
export function computeFigures(
  events: readonly FigureEvent[],
  consents: readonly ConsentChoice[],
  window: { from: string; to: string },
  funnelSteps: readonly string[],
  counted: Counted,
): Figures {
  const ordersOf = new Map<string, number>();
  const firstOrderMonth = new Map<string, string>();
  const monthsOrdered = new Map<string, Set<string>>();
  const revenueOf = new Map<string, number>();
  const firstTouch = new Map<string, Campaign>();
  const lastTouch = new Map<string, Campaign>();
  const attributedFirst = new Map<string, Attributed>();
  const attributedLast = new Map<string, Attributed>();
  let orders = 0;
  let revenue = 0;

  for (const event of events) {
    if (event.timestamp >= window.to) continue;
    if (event.campaign) {
      if (!firstTouch.has(event.personId)) firstTouch.set(event.personId, event.campaign);
      lastTouch.set(event.personId, event.campaign);
    }
    if (!event.order) continue;
    const month = monthOf(event.timestamp);
    if (!firstOrderMonth.has(event.personId)) firstOrderMonth.set(event.personId, month);
    let months = monthsOrdered.get(event.personId);
    if (!months) monthsOrdered.set(event.personId, (months = new Set()));
    months.add(month);
    if (event.timestamp < window.from) continue;
    const value = event.value ?? 0;
    orders++;
    revenue += value;
    ordersOf.set(event.personId, (ordersOf.get(event.personId) ?? 0) + 1);
    revenueOf.set(event.personId, (revenueOf.get(event.personId) ?? 0) + value);
    attribute(attributedFirst, firstTouch.get(event.personId), value);
    attribute(attributedLast, lastTouch.get(event.personId), value);
  }

  const customers = ordersOf.size;
  const repeatCustomers = [...ordersOf.values()].filter((n) => n >= 2).length;
  const seen = counted.visitors;
  return {
    from: window.from,
    to: window.to,
    visitors: seen.visitors,
    identified: seen.identified,
    identifiedShare: share(seen.identified, seen.visitors),
    customers,
    conversionRate: share(customers, seen.visitors),
    orders,
    revenue,
    averageOrderValue: share(revenue, orders),
    repeatCustomers,
    repeatPurchaseRate: share(repeatCustomers, customers),
    cohorts: cohortsOf(firstOrderMonth, monthsOrdered, window),
    funnel: funnelOf(new Map(counted.funnel.map((p) => [p.personId, p.reached])), funnelSteps, revenueOf),
    attribution: { firstTouch: ranked(attributedFirst), lastTouch: ranked(attributedLast) },
    consent: consentRates(consents),
  };
}

function attribute(totals: Map<string, Attributed>, campaign: Campaign | undefined, value: number) {
  const key = campaign === undefined ? DIRECT : keyOf(campaign);
  let total = totals.get(key);
  if (!total)
    totals.set(
      key,
      (total = {
        source: campaign?.source ?? null,
        medium: campaign?.medium ?? null,
        name: campaign?.name ?? null,
        orders: 0,
        revenue: 0,
      }),
    );
  total.orders++;
  total.revenue += value;
}

const campaignKey = (campaign: Campaign | undefined) =>
  JSON.stringify([campaign?.source ?? null, campaign?.medium ?? null, campaign?.name ?? null]);
const DIRECT = campaignKey(undefined);
// A storage hands equal campaigns out as one object where it can (storage/figure-facts.ts): each object's
// key is made once, not once per order it is attributed (a tenth of the figures' time at 1M events).
const campaignKeys = new WeakMap<Campaign, string>();
function keyOf(campaign: Campaign): string {
  let key = campaignKeys.get(campaign);
  if (key === undefined) campaignKeys.set(campaign, (key = campaignKey(campaign)));
  return key;
}

const ranked = (totals: Map<string, Attributed>) =>
  [...totals.values()].sort((p, q) => q.revenue - p.revenue || q.orders - p.orders);

function cohortsOf(
  firstOrderMonth: Map<string, string>,
  monthsOrdered: Map<string, Set<string>>,
  window: { from: string; to: string },
) {
  const lastMonth = monthOf(new Date(Date.parse(window.to) - 1).toISOString());
  const cohorts = new Map<string, { month: string; customers: number; ordering: number[] }>();
  for (const [person, month] of firstOrderMonth) {
    if (month < monthOf(window.from) || month > lastMonth) continue;
    let cohort = cohorts.get(month);
    if (!cohort)
      cohorts.set(
        month,
        (cohort = { month, customers: 0, ordering: new Array<number>(monthsBetween(month, lastMonth) + 1).fill(0) }),
      );
    cohort.customers++;
    for (const ordered of monthsOrdered.get(person)!) {
      const offset = monthsBetween(month, ordered);
      if (offset >= 0 && offset < cohort.ordering.length) cohort.ordering[offset]!++;
    }
  }
  return [...cohorts.values()].sort((p, q) => (p.month < q.month ? -1 : 1));
}

function funnelOf(
  reached: ReadonlyMap<string, number>,
  steps: readonly string[],
  revenueOf: Map<string, number>,
): FunnelStep[] {
  return steps.map((event, index) => {
    const persons = [...reached].filter(([, done]) => done > index).map(([person]) => person);
    const previous = index === 0 ? persons.length : [...reached.values()].filter((done) => done > index - 1).length;
    return {
      event,
      persons: persons.length,
      conversion: share(persons.length, previous),
      revenue: persons.reduce((sum, p) => sum + (revenueOf.get(p) ?? 0), 0),
    };
  });
}

function consentRates(consents: readonly ConsentChoice[]) {
  const byMethod: Record<string, number> = {};
  for (const { method } of consents) byMethod[method] = (byMethod[method] ?? 0) + 1;
  return {
    choices: consents.length,
    analytics: share(consents.filter((c) => c.categories.analytics === true).length, consents.length),
    marketing: share(consents.filter((c) => c.categories.marketing === true).length, consents.length),
    byMethod,
  };
}
