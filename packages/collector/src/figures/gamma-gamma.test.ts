import { describe, expect, it } from 'vitest';
import { cdnowPurchases } from '../../test/support/cdnow.ts';
import { expectedOrderValue, fitGammaGamma } from './gamma-gamma.ts';
import { dayOf, summarise } from './transactions.ts';

describe('Gamma-Gamma on the CDNOW sample (Fader & Hardie 2013)', () => {
  const repeaters = () =>
    summarise(
      cdnowPurchases().map((p) => ({ customer: p.customer, day: dayOf(p.date), value: p.value })),
      dayOf('1997-09-30'),
    ).filter((c) => c.x > 0);

  // Published to two decimals; ±0.05 is the tolerance.
  it('reproduces p = 6.25, q = 3.74, gamma = 15.44 (±0.05) on the 946 customers who repeated', () => {
    const customers = repeaters();
    expect(customers).toHaveLength(946);
    const fit = fitGammaGamma(customers);
    expect(Math.abs(fit.p - 6.25)).toBeLessThan(0.05);
    expect(Math.abs(fit.q - 3.74)).toBeLessThan(0.05);
    expect(Math.abs(fit.gamma - 15.44)).toBeLessThan(0.05);
  }, 60_000);

  // The note's own illustration: the population mean is p*gamma/(q-1) = 35.22 at its estimates;
  // one order of $100 moves a customer's expected value only part of the way (weight p/(p+q-1)).
  it("shrinks a customer's mean order value towards the population mean, less with more orders", () => {
    const params = { p: 6.25, q: 3.74, gamma: 15.44 };
    expect(expectedOrderValue(params, { x: 0, m: 0 })).toBeCloseTo((6.25 * 15.44) / 2.74, 10);
    const one = expectedOrderValue(params, { x: 1, m: 100 });
    const ten = expectedOrderValue(params, { x: 10, m: 100 });
    const weight = 6.25 / (6.25 + 3.74 - 1);
    expect(one).toBeCloseTo((1 - weight) * ((6.25 * 15.44) / 2.74) + weight * 100, 10);
    expect(ten).toBeGreaterThan(one);
    expect(ten).toBeLessThan(100);
  });
});
