import type { AudienceEngine } from '../audiences/engine.ts';
import type { NodeRef, PersonEvent, Storage, TraitsUpdate, WriteSet } from '../storage/storage.ts';
import { NotEnoughOrders, currentHistories, fitPredictions, scoreCustomer, type PredictionModel } from './predict.ts';
import { coPurchases, nextBestChannel, nextBestProducts } from './recommend.ts';
import { rfmScores } from './rfm.ts';
import { dayOf, type Order } from './transactions.ts';
import { ORDER_COMPLETED } from '../storage/figure-facts.ts';

export { ORDER_COMPLETED };
const TRAITS_PER_WRITE = 200;

/** What one person's events say for the computed traits: their orders, and the channels that brought them back. */
interface Customer {
  node: NodeRef;
  orders: { day: number; value: number; products: string[] }[];
  repeatMedia: string[];
}

export interface Refit {
  /** Null when the orders do not allow a fit yet; `unfitted` says why. */
  model: PredictionModel | null;
  unfitted?: string;
  /** Persons whose computed traits were written. */
  scored: number;
}

/**
 * Refits a site on its stored `Order Completed` events (person = customer; `revenue`, else
 * `total`, is the order value), keeps the model, and writes every customer's scores as ordinary
 * person traits (through `Storage.write`), so audience definitions use them like any other trait:
 * the audience engine, when given, re-evaluates each scored person.
 */
export async function refitSite(
  storage: Storage,
  site: string,
  options: { calibrationEnd?: string; now: Date; audiences?: Pick<AudienceEngine, 'touched'> | undefined },
): Promise<Refit> {
  // Orders, and the events that carry a campaign (the channel that brought a customer back): no other event tells anything here.
  const customers = customersOf(await storage.siteEvents({ site, events: [ORDER_COMPLETED], campaigns: true }));
  const orders: Order[] = [];
  for (const [customer, { orders: own }] of customers)
    for (const { day, value } of own) orders.push({ customer, day, value });

  let model: PredictionModel | null = null;
  let unfitted: string | undefined;
  try {
    model = fitPredictions(orders, options.calibrationEnd === undefined ? undefined : dayOf(options.calibrationEnd));
  } catch (error) {
    if (!(error instanceof NotEnoughOrders)) throw error;
    unfitted = error.message;
  }
  const at = options.now.toISOString();
  if (model) await storage.savePredictions(site, at, model);

  const traits = traitsOf(customers, model);
  const updates: TraitsUpdate[] = [...traits].map(([personId, values]) => ({
    site,
    node: customers.get(personId)!.node,
    traits: values,
    at,
  }));
  for (let start = 0; start < updates.length; start += TRAITS_PER_WRITE) {
    const set: WriteSet = {
      events: [],
      consents: [],
      rejected: [],
      traits: updates.slice(start, start + TRAITS_PER_WRITE),
    };
    await storage.write(set);
    options.audiences?.touched(set);
  }
  return { model, ...(unfitted ? { unfitted } : {}), scored: updates.length };
}

/** Each ordering person's orders, and the campaign medium that last brought them before each repeat order. */
function customersOf(events: readonly PersonEvent[]): Map<string, Customer> {
  const customers = new Map<string, Customer>();
  const lastMedium = new Map<string, string>();
  const userOf = new Map<string, string>();
  for (const event of events) {
    if (event.userId) userOf.set(event.personId, event.userId);
    if (event.campaign?.medium) lastMedium.set(event.personId, event.campaign.medium);
    if (event.type !== 'track' || event.event !== ORDER_COMPLETED) continue;
    let customer = customers.get(event.personId);
    if (!customer) {
      const node: NodeRef = event.userId
        ? { kind: 'user', id: event.userId }
        : { kind: 'anonymous', id: event.anonymousId ?? '' };
      customers.set(event.personId, (customer = { node, orders: [], repeatMedia: [] }));
    } else {
      const medium = lastMedium.get(event.personId);
      if (medium) customer.repeatMedia.push(medium);
    }
    customer.orders.push({
      day: dayOf(event.timestamp),
      value: event.value ?? 0,
      products: event.products.flatMap(productKey),
    });
  }
  // A customer's traits go to their user ID when one of these events names it (any node of the person would do).
  for (const [personId, customer] of customers) {
    const userId = userOf.get(personId);
    if (userId) customer.node = { kind: 'user', id: userId };
  }
  return customers;
}

const productKey = (product: Record<string, unknown>): string[] => {
  const key = product.product_id ?? product.sku ?? product.name;
  return typeof key === 'string' || typeof key === 'number' ? [String(key)] : [];
};

function traitsOf(
  customers: Map<string, Customer>,
  model: PredictionModel | null,
): Map<string, Record<string, unknown>> {
  const traits = new Map<string, Record<string, unknown>>();
  const ids = [...customers.keys()];
  const rfm = rfmScores(
    ids.map((id) => {
      const { orders } = customers.get(id)!;
      const days = new Set(orders.map((o) => o.day));
      return {
        customer: id,
        recencyDays: -Math.max(...days),
        frequency: days.size,
        monetary: orders.reduce((sum, o) => sum + o.value, 0),
      };
    }),
  );
  for (const score of rfm) {
    traits.set(score.customer, {
      rfm_segment: score.segment,
      rfm_recency: score.recency,
      rfm_frequency: score.frequency,
      rfm_monetary: score.monetary,
    });
  }

  const baskets = new Map(ids.map((id) => [id, customers.get(id)!.orders.flatMap((o) => o.products)]));
  const bought = coPurchases(baskets);
  for (const [id, basket] of baskets) {
    const values = traits.get(id)!;
    if (basket.length > 0) values.next_best_product = nextBestProducts(bought, basket, 1)[0] ?? null;
    values.next_best_channel = nextBestChannel(customers.get(id)!.repeatMedia);
  }

  if (model) {
    const orders: Order[] = ids.flatMap((customer) =>
      customers.get(customer)!.orders.map(({ day, value }) => ({ customer, day, value })),
    );
    for (const history of currentHistories(orders, model)) {
      const scores = scoreCustomer(model, history);
      Object.assign(traits.get(history.customer)!, {
        p_alive: round(scores.pAlive, 4),
        expected_purchases_90d: round(scores.expectedPurchases90d, 3),
        predicted_ltv_365d: scores.predictedLtv365d === null ? null : round(scores.predictedLtv365d, 2),
        likely_to_churn: scores.likelyToChurn,
      });
    }
  }
  return traits;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
