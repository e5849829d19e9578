import gammaln from '@stdlib/math-base-special-gammaln';
import { minimizePositive } from './minimize.ts';

/**
 * Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): a customer's
 * order values are Gamma(p, nu) around their own mean, and nu ~ Gamma(q, gamma) across customers.
 * Fitted on customers with at least one repeat order: x repeat orders of mean value m.
 */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface Spend {
  x: number;
  m: number;
}

export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, { x, m }: Spend): number {
  return (
    gammaln(p * x + q) -
    gammaln(p * x) -
    gammaln(q) +
    q * Math.log(gamma) +
    (p * x - 1) * Math.log(m) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + m * x)
  );
}

export function fitGammaGamma(customers: readonly Spend[]): GammaGammaParams & { logLikelihood: number } {
  // Per customer, the terms (p x - 1) log m + p x log x sum by x: kept per distinct x, so an evaluation
  // costs one log per customer (of gamma + m x) and a few per distinct x.
  const byX = new Map<number, { count: number; sumLogM: number }>();
  const repeats: number[] = [];
  const totals: number[] = [];
  for (const { x, m } of customers) {
    if (!(x > 0 && m > 0)) continue;
    const group = byX.get(x) ?? { count: 0, sumLogM: 0 };
    group.count++;
    group.sumLogM += Math.log(m);
    byX.set(x, group);
    repeats.push(x);
    totals.push(m * x);
  }
  const spenders = repeats.length;
  const xs = Float64Array.from(byX.keys());
  const counts = Float64Array.from(byX.values(), (g) => g.count);
  const sumLogM = Float64Array.from(byX.values(), (g) => g.sumLogM);
  const x = Float64Array.from(repeats);
  const mx = Float64Array.from(totals);
  const negative = ([p, q, gamma]: number[]) => {
    let sum = spenders * (q! * Math.log(gamma!) - gammaln(q!));
    for (let i = 0; i < xs.length; i++) {
      const px = p! * xs[i]!;
      sum += counts[i]! * (gammaln(px + q!) - gammaln(px) + px * Math.log(xs[i]!)) + (px - 1) * sumLogM[i]!;
    }
    for (let i = 0; i < spenders; i++) sum -= (p! * x[i]! + q!) * Math.log(gamma! + mx[i]!);
    return -sum / Math.max(1, spenders);
  };
  const {
    params: [p, q, gamma],
    value,
  } = minimizePositive(negative, [1, 1, 1]);
  return { p: p!, q: q!, gamma: gamma!, logLikelihood: -value * spenders };
}

/** E[M | x, m]: the expected value of the customer's next order, shrunk towards the population mean. */
export function expectedOrderValue({ p, q, gamma }: GammaGammaParams, { x, m }: Spend): number {
  if (q <= 1) return x > 0 ? m : Number.NaN;
  const populationMean = (p * gamma) / (q - 1);
  if (x === 0) return populationMean;
  const weight = (p * x) / (p * x + q - 1);
  return (1 - weight) * populationMean + weight * m;
}
