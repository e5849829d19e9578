import { describe, expect, it } from 'vitest';
import { coPurchases, mostPopular, nextBestChannel, nextBestProducts } from './recommend.ts';

/** A seeded generator (mulberry32), so the synthetic shop is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A shop of 60 products whose 3,000 customers each like one of 6 tastes (10 products each; the
 * first taste twice as common): 85% of their purchases come from their taste, the rest at random.
 */
function syntheticShop(seed: number) {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const tastes = Array.from({ length: 6 }, (_, t) => Array.from({ length: 10 }, (_, i) => `p${t * 10 + i}`));
  const catalog = tastes.flat();
  const baskets = new Map<string, string[]>();
  for (let c = 0; c < 3000; c++) {
    const taste = next() < 2 / 7 ? tastes[0]! : pick(tastes.slice(1));
    const size = 3 + Math.floor(next() * 4);
    const basket: string[] = [];
    while (basket.length < size) {
      const product = next() < 0.85 ? pick(taste) : pick(catalog);
      if (!basket.includes(product)) basket.push(product);
    }
    baskets.set(`c${c}`, basket);
  }
  return baskets;
}

describe('next best product', () => {
  it('recommends what those who bought the same bought, never what the customer owns', () => {
    const bought = coPurchases(
      new Map([
        ['a', ['mug', 'tea']],
        ['b', ['mug', 'tea', 'spoon']],
        ['c', ['tea', 'honey']],
        ['d', ['cup']],
        ['e', ['cup']],
      ]),
    );
    expect(nextBestProducts(bought, ['mug'], 2)).toEqual(['tea', 'spoon']);
    expect(nextBestProducts(bought, ['tea'], 3)).toEqual(['mug', 'honey', 'spoon']);
    // Nobody else bought a kettle: the most popular products fill in.
    expect(nextBestProducts(bought, ['kettle'], 2)).toEqual(['tea', 'cup']);
    expect(mostPopular(bought, ['tea'], 2)).toEqual(['cup', 'mug']);
  });

  // Measured, not assumed: each customer's last purchase is held out, the model learns from the rest.
  it('hits the held-out purchase in its top 3 more often than the popularity baseline, on a shop with known tastes', () => {
    const shop = syntheticShop(20);
    const training = new Map([...shop].map(([customer, basket]) => [customer, basket.slice(0, -1)]));
    const bought = coPurchases(training);
    let hits = 0;
    let baselineHits = 0;
    for (const [customer, basket] of shop) {
      const heldOut = basket.at(-1)!;
      if (nextBestProducts(bought, training.get(customer)!, 3).includes(heldOut)) hits++;
      if (mostPopular(bought, training.get(customer)!, 3).includes(heldOut)) baselineHits++;
    }
    const hitRate = hits / shop.size;
    const baseline = baselineHits / shop.size;
    console.log(
      `next best product, top-3 hit rate on 3,000 held-out purchases: co-occurrence ${(hitRate * 100).toFixed(1)}%, popularity ${(baseline * 100).toFixed(1)}%`,
    );
    expect(hitRate).toBeGreaterThan(baseline * 2);
  });
});

describe('next best channel', () => {
  it('is the medium most of the repeat orders came through, the latest on a tie, none without any', () => {
    expect(nextBestChannel(['email', 'cpc', 'email'])).toBe('email');
    expect(nextBestChannel(['email', 'cpc'])).toBe('cpc');
    expect(nextBestChannel([])).toBeNull();
  });
});
