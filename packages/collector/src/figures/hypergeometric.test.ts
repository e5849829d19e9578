import { describe, expect, it } from 'vitest';
import { hyp2f1 } from './hypergeometric.ts';

// Closed forms (Abramowitz & Stegun 15.1.3, 15.1.8, 15.1.6) and a tabulated value, to 12 digits:
// the series is summed to double precision, so only rounding separates it from the closed form.
describe('the Gaussian hypergeometric function 2F1', () => {
  it('is 1 at z = 0', () => {
    expect(hyp2f1(2.5, 3.1, 4.2, 0)).toBe(1);
  });

  it('matches 2F1(1, 1; 2; z) = -ln(1 - z) / z', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 12);
  });

  it('matches 2F1(a, b; b; z) = (1 - z)^-a', () => {
    for (const z of [0.2, 0.7, 0.95]) expect(hyp2f1(0.243 + 2, 3.4, 3.4, z)).toBeCloseTo(Math.pow(1 - z, -2.243), 10);
  });

  // BG/NBD asks for c = a + b + x - 1 < 0 when a fit gives a + b < 1 (the series still converges).
  it('matches 2F1(a, b; b; z) = (1 - z)^-a for a negative c', () => {
    for (const z of [0.2, 0.7, 0.95]) expect(hyp2f1(0.8, -0.4, -0.4, z)).toBeCloseTo(Math.pow(1 - z, -0.8), 10);
  });

  it('matches 2F1(1/2, 1/2; 3/2; z^2) = arcsin(z) / z', () => {
    for (const z of [0.3, 0.8]) expect(hyp2f1(0.5, 0.5, 1.5, z * z)).toBeCloseTo(Math.asin(z) / z, 12);
  });

  // Gauss's theorem: 2F1(a, b; c; 1) = Gamma(c)Gamma(c-a-b)/(Gamma(c-a)Gamma(c-b)); with a = b = 1/2, c = 2: 4/pi.
  it("approaches Gauss's value 4/pi for 2F1(1/2, 1/2; 2; z) as z -> 1", () => {
    expect(hyp2f1(0.5, 0.5, 2, 0.999999)).toBeCloseTo(4 / Math.PI, 4);
  });

  it('refuses z outside [0, 1)', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, -0.1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
  });
});
