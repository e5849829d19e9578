/**
 * The Gaussian hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1, by its power series:
 * BG/NBD's expected purchases need it with z = t / (alpha + T + t), always in [0, 1).
 * The terms are summed until they no longer change the sum in double precision; near z = 1 the
 * series needs many terms, hence the generous cap (it still ends in well under a millisecond).
 * c may be negative (BG/NBD's c = a + b + x - 1 is when a fit gives a + b < 1): the series converges
 * for |z| < 1 whenever c is not 0, -1, -2, ..., where a term's denominator vanishes.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1: z must be in [0, 1), not ${z}`);
  if (!Number.isFinite(c) || (c <= 0 && Number.isInteger(c)))
    throw new RangeError(`hyp2f1: c must not be 0 or a negative whole number, not ${c}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 1_000_000; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * 1e-16) return sum;
  }
  return sum;
}
