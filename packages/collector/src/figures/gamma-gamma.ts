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
  const spenders = customers
    .filter((c) => c.x > 0 && c.m > 0)
    .map((c) => ({ ...c, logM: Math.log(c.m), logX: Math.log(c.x) }));
  const xs = [...new Set(spenders.map((c) => c.x))];
  const negative = ([p, q, gamma]: number[]) => {
    // The log-gamma terms depend on x alone: once per distinct x, not per customer.
    const byX = new Map(xs.map((x) => [x, gammaln(p! * x + q!) - gammaln(p! * x)]));
    let sum = spenders.length * (q! * Math.log(gamma!) - gammaln(q!));
    for (const { x, m, logM, logX } of spenders) {
      sum += byX.get(x)! + (p! * x - 1) * logM + p! * x * logX - (p! * x + q!) * Math.log(gamma! + m * x);
    }
    return -sum / Math.max(1, spenders.length);
  };
  const {
    params: [p, q, gamma],
    value,
  } = minimizePositive(negative, [1, 1, 1]);
  return { p: p!, q: q!, gamma: gamma!, logLikelihood: -value * spenders.length };
}

/** E[M | x, m]: the expected value of the customer's next order, shrunk towards the population mean. */
export function expectedOrderValue({ p, q, gamma }: GammaGammaParams, { x, m }: Spend): number {
  if (q <= 1) return x > 0 ? m : Number.NaN;
  const populationMean = (p * gamma) / (q - 1);
  if (x === 0) return populationMean;
  const weight = (p * x) / (p * x + q - 1);
  return (1 - weight) * populationMean + weight * m;
}
