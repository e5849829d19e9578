import { expectedPurchases, fitBgNbd, pAlive, type BgNbdParams } from './bgnbd.ts';
import { expectedOrderValue, fitGammaGamma, type GammaGammaParams } from './gamma-gamma.ts';
import { isoDay, summarise, type CustomerHistory, type Order } from './transactions.ts';

/** A site's fitted predictions, as stored and shown beside every score: how far to trust them. */
export interface PredictionModel {
  bgnbd: BgNbdParams;
  /** Null when no customer has ordered twice in the calibration period. */
  gammaGamma: GammaGammaParams | null;
  /** Customers in the calibration period, and those of them with repeat purchases (Gamma-Gamma's). */
  customers: number;
  repeatCustomers: number;
  /** Days (UTC): the first order, the calibration's last day, the last order (the holdout's end). */
  window: { from: string; calibrationEnd: string; to: string };
  /** Repeat purchases the calibration fit expected after its end, against those made; null when no time is left after it. */
  holdout: { weeks: number; predicted: number; actual: number; relativeError: number } | null;
}

/** What a customer's scores say, from the model and their whole history up to the last order day. */
export interface CustomerScores {
  pAlive: number;
  expectedPurchases90d: number;
  predictedLtv365d: number | null;
  likelyToChurn: boolean;
}

/** "Likely to churn": the probability that the customer is still active below this (the threshold). */
export const CHURN_BELOW = 0.3;
const MIN_CUSTOMERS = 10;

export class NotEnoughOrders extends Error {}

/**
 * Fits BG/NBD and Gamma-Gamma on the orders up to the calibration end (by default two thirds of
 * the way from the first order to the last) and checks the fit on the orders after it.
 */
export function fitPredictions(orders: readonly Order[], calibrationEnd?: number): PredictionModel {
  if (orders.length === 0) throw new NotEnoughOrders('no orders to fit on');
  let first = Infinity;
  let last = -Infinity;
  for (const { day } of orders) {
    if (day < first) first = day;
    if (day > last) last = day;
  }
  const end = calibrationEnd ?? first + Math.floor(((last - first) * 2) / 3);
  const calibration = summarise(orders, end, last);
  if (calibration.length < MIN_CUSTOMERS) {
    throw new NotEnoughOrders(
      `${calibration.length} customers ordered by ${isoDay(end)}; the fit needs at least ${MIN_CUSTOMERS}`,
    );
  }
  const repeaters = calibration.filter((c) => c.x > 0);
  if (repeaters.length === 0)
    throw new NotEnoughOrders(`no customer ordered twice by ${isoDay(end)}; the fit needs repeat purchases`);
  const { logLikelihood: _bg, ...bgnbd } = fitBgNbd(calibration);
  const gammaGamma = repeaters.length >= 2 ? withoutLikelihood(fitGammaGamma(repeaters)) : null;

  const weeks = (last - end) / 7;
  let predicted = 0;
  let actual = 0;
  for (const customer of calibration) {
    predicted += expectedPurchases(bgnbd, customer, weeks);
    actual += customer.holdoutTransactions;
  }
  return {
    bgnbd,
    gammaGamma,
    customers: calibration.length,
    repeatCustomers: repeaters.length,
    window: { from: isoDay(first), calibrationEnd: isoDay(end), to: isoDay(last) },
    holdout:
      weeks > 0 ? { weeks, predicted, actual, relativeError: actual > 0 ? (predicted - actual) / actual : 0 } : null,
  };
}

const withoutLikelihood = ({
  logLikelihood: _ll,
  ...params
}: GammaGammaParams & { logLikelihood: number }): GammaGammaParams => params;

/** Each customer's history up to the model's last day, the day their scores speak from. */
export function currentHistories(orders: readonly Order[], model: PredictionModel): CustomerHistory[] {
  return summarise(orders, Math.floor(Date.parse(model.window.to) / 86_400_000));
}

export function scoreCustomer(model: PredictionModel, history: CustomerHistory): CustomerScores {
  const alive = pAlive(model.bgnbd, history);
  const nextYear = expectedPurchases(model.bgnbd, history, 365 / 7);
  // Undiscounted: the purchases expected in a year times the value expected of each.
  const orderValue = model.gammaGamma ? expectedOrderValue(model.gammaGamma, history) : Number.NaN;
  return {
    pAlive: alive,
    expectedPurchases90d: expectedPurchases(model.bgnbd, history, 90 / 7),
    predictedLtv365d: Number.isFinite(orderValue) ? nextYear * orderValue : null,
    likelyToChurn: alive < CHURN_BELOW,
  };
}
