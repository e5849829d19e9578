/** What each customer bought, in order: the products of their orders. */
export type Baskets = ReadonlyMap<string, readonly string[]>;

/** Customers who bought each pair of products (item-to-item co-occurrence) and how many bought each product. */
export interface CoPurchases {
  together: Map<string, Map<string, number>>;
  popularity: Map<string, number>;
  /** Every product, the most bought first. */
  ranked: string[];
}

export function coPurchases(baskets: Baskets): CoPurchases {
  const together = new Map<string, Map<string, number>>();
  const popularity = new Map<string, number>();
  for (const products of baskets.values()) {
    const owned = [...new Set(products)];
    for (const product of owned) {
      popularity.set(product, (popularity.get(product) ?? 0) + 1);
      let row = together.get(product);
      if (!row) together.set(product, (row = new Map()));
      for (const other of owned) if (other !== product) row.set(other, (row.get(other) ?? 0) + 1);
    }
  }
  const ranked = [...popularity.keys()].sort((p, q) => popularity.get(q)! - popularity.get(p)! || (p < q ? -1 : 1));
  return { together, popularity, ranked };
}

/**
 * The products most often bought by customers who bought what this customer bought, excluding
 * what they own; ties, and customers whose products nobody else bought, fall back on popularity.
 */
export function nextBestProducts(bought: CoPurchases, owned: readonly string[], count: number): string[] {
  const { together, popularity } = bought;
  const have = new Set(owned);
  const scores = new Map<string, number>();
  for (const product of have) {
    for (const [other, n] of together.get(product) ?? [])
      if (!have.has(other)) scores.set(other, (scores.get(other) ?? 0) + n);
  }
  const picked = [...scores.keys()]
    .sort((p, q) => scores.get(q)! - scores.get(p)! || popularity.get(q)! - popularity.get(p)! || (p < q ? -1 : 1))
    .slice(0, count);
  return picked.length < count
    ? [...picked, ...mostPopular(bought, [...owned, ...picked], count - picked.length)]
    : picked;
}

/** The baseline: the most popular products the customer does not own. */
export function mostPopular({ ranked }: CoPurchases, owned: readonly string[], count: number): string[] {
  const have = new Set(owned);
  const picked: string[] = [];
  for (const product of ranked) {
    if (picked.length === count) break;
    if (!have.has(product)) picked.push(product);
  }
  return picked;
}

/** The most frequent of the channels (campaign media) a customer came back to order through; the latest on a tie. */
export function nextBestChannel(mediaOfRepeatOrders: readonly string[]): string | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  for (const medium of mediaOfRepeatOrders) {
    const n = (counts.get(medium) ?? 0) + 1;
    counts.set(medium, n);
    if (best === null || n >= counts.get(best)!) best = medium;
  }
  return best;
}
