import { describe, expect, it } from 'vitest';
import { cdnowPurchases } from '../../test/support/cdnow.ts';
import { expectedPurchases, expectedPurchasesOfNew, fitBgNbd, pAlive } from './bgnbd.ts';
import { dayOf, summarise } from './transactions.ts';

const PAPER = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const cdnow = () =>
  summarise(
    cdnowPurchases().map((p) => ({ customer: p.customer, day: dayOf(p.date), value: p.value })),
    dayOf('1997-09-30'),
    dayOf('1998-06-30'),
  );

describe('BG/NBD on the CDNOW sample (Fader, Hardie & Lee 2005)', () => {
  it("summarises by the paper's conventions: 2,357 customers, T of a 1997-01-01 first purchase is 272/7 weeks", () => {
    const customers = cdnow();
    expect(customers).toHaveLength(2357);
    expect(customers.filter((c) => c.x > 0)).toHaveLength(946);
    expect(customers.find((c) => c.customer === '0001')).toMatchObject({ x: 2, T: 272 / 7 });
    // The paper's table: 1,411 customers made no repeat purchase in the 39 weeks.
    expect(customers.filter((c) => c.x === 0)).toHaveLength(1411);
  });

  // The paper reports three decimals; ±0.01 is the tolerance, far above the optimiser's.
  it('reproduces the published parameters r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (±0.01)', () => {
    const fit = fitBgNbd(cdnow());
    expect(Math.abs(fit.r - PAPER.r)).toBeLessThan(0.01);
    expect(Math.abs(fit.alpha - PAPER.alpha)).toBeLessThan(0.01);
    expect(Math.abs(fit.a - PAPER.a)).toBeLessThan(0.01);
    expect(Math.abs(fit.b - PAPER.b)).toBeLessThan(0.01);
    // The paper's log-likelihood at its estimates: -9582.4.
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 0);
  }, 60_000);

  // Section 4 of the paper: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
  // 1.226 purchases in the next 39 weeks; published to three decimals, so ±0.001.
  it("gives the paper's conditional expectation 1.226 for x = 2, t_x = 30.43, T = 38.86 over 39 weeks", () => {
    expect(expectedPurchases(PAPER, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3);
  });

  it('keeps a customer without repeat purchases alive, and one silent since long ago less so', () => {
    expect(pAlive(PAPER, { x: 0, tx: 0, T: 38 })).toBe(1);
    const recent = pAlive(PAPER, { x: 4, tx: 37, T: 38 });
    const silent = pAlive(PAPER, { x: 4, tx: 5, T: 38 });
    expect(recent).toBeGreaterThan(0.85);
    expect(silent).toBeLessThan(0.3);
  });

  // Figure 1 of the paper: the model tracks cumulative repeat sales; over the 78 weeks the 2,357
  // customers make about 4,100 repeat purchases (the paper's chart ends near 4,000-4,200).
  it("expects a new customer's purchases to grow with time and to stay finite", () => {
    const weeks39 = expectedPurchasesOfNew(PAPER, 39);
    const weeks78 = expectedPurchasesOfNew(PAPER, 78);
    expect(weeks39).toBeGreaterThan(0);
    expect(weeks78).toBeGreaterThan(weeks39);
  });
});
