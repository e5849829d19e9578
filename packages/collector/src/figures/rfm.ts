/** A customer's recency (days since the last order), frequency (orders) and monetary value (spend). */
export interface RfmInput {
  customer: string;
  recencyDays: number;
  frequency: number;
  monetary: number;
}

export interface RfmScore {
  customer: string;
  /** 1-5, 5 the best fifth: the most recent, most frequent, highest spending. */
  recency: number;
  frequency: number;
  monetary: number;
  segment: RfmSegment;
}

export type RfmSegment =
  | 'champions'
  | 'loyal'
  | 'potential_loyalists'
  | 'new_customers'
  | 'promising'
  | 'need_attention'
  | 'about_to_sleep'
  | 'at_risk'
  | 'cant_lose'
  | 'hibernating';

/**
 * Quintile scores by rank, ties sharing the score of the first of them (so the many customers with
 * one order all score 1 on frequency, rather than being spread by chance over several fifths).
 */
export function quintiles(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((p, q) => p.value - q.value);
  const scores = new Array<number>(values.length);
  let firstOfTies = 0;
  order.forEach(({ value, index }, rank) => {
    if (rank > 0 && value !== order[rank - 1]!.value) firstOfTies = rank;
    scores[index] = Math.floor((firstOfTies * 5) / values.length) + 1;
  });
  return scores;
}

/**
 * The usual segments on the recency and frequency scores (the grid most RFM tools share): for
 * example recency 5 with frequency 4-5 are champions, recency 1-2 with frequency 1-2 hibernating.
 */
export function segmentOf(recency: number, frequency: number): RfmSegment {
  if (recency <= 2) return frequency <= 2 ? 'hibernating' : frequency <= 4 ? 'at_risk' : 'cant_lose';
  if (recency === 3) return frequency <= 2 ? 'about_to_sleep' : frequency === 3 ? 'need_attention' : 'loyal';
  if (frequency === 1) return recency === 4 ? 'promising' : 'new_customers';
  if (frequency <= 3) return 'potential_loyalists';
  return recency === 5 ? 'champions' : 'loyal';
}

export function rfmScores(customers: readonly RfmInput[]): RfmScore[] {
  // Fewer days since the last order is better: score the negated recency.
  const recency = quintiles(customers.map((c) => -c.recencyDays));
  const frequency = quintiles(customers.map((c) => c.frequency));
  const monetary = quintiles(customers.map((c) => c.monetary));
  return customers.map((c, i) => ({
    customer: c.customer,
    recency: recency[i]!,
    frequency: frequency[i]!,
    monetary: monetary[i]!,
    segment: segmentOf(recency[i]!, frequency[i]!),
  }));
}
