import gammaln from '@stdlib/math-base-special-gammaln';
import betaln from '@stdlib/math-base-special-betaln';
import { hyp2f1 } from './hypergeometric.ts';
import { minimizePositive } from './minimize.ts';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
 * customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop out with
 * probability p ~ Beta(a, b). Time is in weeks throughout.
 */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** A customer in the calibration period: x repeat purchases, the last at t_x, observed for T (weeks since the first purchase). */
export interface Frequency {
  x: number;
  tx: number;
  T: number;
}

/** The log-likelihood of one customer (the paper's equation 6, on logs to stay finite for large x). */
export function bgnbdLogLikelihood(params: BgNbdParams, customer: Frequency): number {
  return recencyTerms(params, customer, frequencyTerms(params, customer.x));
}

/** The part of the log-likelihood that depends on x alone. */
function frequencyTerms({ r, alpha, a, b }: BgNbdParams, x: number) {
  return {
    common: gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + betaln(a, b + x) - betaln(a, b),
    droppedOut: x === 0 ? 0 : Math.log(a) - Math.log(b + x - 1),
  };
}

function recencyTerms(
  { r, alpha }: BgNbdParams,
  { x, tx, T }: Frequency,
  terms: { common: number; droppedOut: number },
): number {
  const survived = -(r + x) * Math.log(alpha + T);
  if (x === 0) return terms.common + survived;
  const droppedOut = terms.droppedOut - (r + x) * Math.log(alpha + tx);
  const top = Math.max(survived, droppedOut);
  return terms.common + top + Math.log(Math.exp(survived - top) + Math.exp(droppedOut - top));
}

/** Maximum-likelihood parameters for the customers. */
export function fitBgNbd(customers: readonly Frequency[]): BgNbdParams & { logLikelihood: number } {
  // Customers with the same (x, t_x, T) share a likelihood term: weigh each distinct one by its count.
  const groups = new Map<string, { customer: Frequency; count: number }>();
  for (const c of customers) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { customer: c, count: 1 });
  }
  const distinct = [...groups.values()];
  // The log terms depend on x, t_x or T alone, each of which takes few values: computed once per
  // value and evaluation, then looked up per group, so a large shop costs a few operations per customer.
  const indexer = (values: number[]) => {
    const unique = [...new Set(values)];
    const index = new Map(unique.map((value, i) => [value, i]));
    return { unique, of: (value: number) => index.get(value)! };
  };
  const xs = indexer(distinct.map(({ customer }) => customer.x));
  const ts = indexer(distinct.map(({ customer }) => customer.T));
  const txs = indexer(distinct.map(({ customer }) => customer.tx));
  const n = distinct.length;
  const groupX = Float64Array.from(distinct, ({ customer }) => customer.x);
  const groupXIndex = Int32Array.from(distinct, ({ customer }) => xs.of(customer.x));
  const groupTIndex = Int32Array.from(distinct, ({ customer }) => ts.of(customer.T));
  const groupTxIndex = Int32Array.from(distinct, ({ customer }) => txs.of(customer.tx));
  const groupCount = Float64Array.from(distinct, ({ count }) => count);
  const common = new Float64Array(xs.unique.length);
  const dropped = new Float64Array(xs.unique.length);
  const logT = new Float64Array(ts.unique.length);
  const logTx = new Float64Array(txs.unique.length);
  const negative = ([r, alpha, a, b]: number[]) => {
    const params = { r: r!, alpha: alpha!, a: a!, b: b! };
    xs.unique.forEach((x, i) => {
      const terms = frequencyTerms(params, x);
      common[i] = terms.common;
      dropped[i] = terms.droppedOut;
    });
    ts.unique.forEach((T, i) => (logT[i] = Math.log(alpha! + T)));
    txs.unique.forEach((tx, i) => (logTx[i] = Math.log(alpha! + tx)));
    let sum = 0;
    for (let g = 0; g < n; g++) {
      const x = groupX[g]!;
      const xi = groupXIndex[g]!;
      const survived = -(r! + x) * logT[groupTIndex[g]!]!;
      if (x === 0) {
        sum += groupCount[g]! * (common[xi]! + survived);
        continue;
      }
      const droppedOut = dropped[xi]! - (r! + x) * logTx[groupTxIndex[g]!]!;
      const top = Math.max(survived, droppedOut);
      sum += groupCount[g]! * (common[xi]! + top + Math.log1p(Math.exp(-Math.abs(survived - droppedOut))));
    }
    return -sum / Math.max(1, customers.length);
  };
  const meanT = customers.reduce((sum, c) => sum + c.T, 0) / Math.max(1, customers.length);
  const {
    params: [r, alpha, a, b],
    value,
  } = minimizePositive(negative, [1, Math.max(1, meanT), 1, 1]);
  return { r: r!, alpha: alpha!, a: a!, b: b!, logLikelihood: -value * customers.length };
}

/** P(alive | x, t_x, T): the probability that the customer has not dropped out (the paper's equation 11 at t = 0). */
export function pAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Frequency): number {
  if (x === 0) return 1;
  const odds = (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return 1 / (1 + odds);
}

/** E[Y(t) | x, t_x, T]: the purchases expected in the next t weeks (the paper's equation 10). */
export function expectedPurchases({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Frequency, t: number): number {
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const shrink = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - shrink * hyp2f1(r + x, b + x, a + b + x - 1, z));
  const odds = x === 0 ? 0 : (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return numerator / (1 + odds);
}

/** E[X(t)]: purchases expected in t weeks by a customer just acquired (the paper's equation 9). */
export function expectedPurchasesOfNew({ r, alpha, a, b }: BgNbdParams, t: number): number {
  const z = t / (alpha + t);
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, z));
}
