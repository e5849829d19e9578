import { describe, expect, it } from 'vitest';
import { quintiles, rfmScores, segmentOf } from './rfm.ts';

describe('RFM', () => {
  it('scores ten distinct values two to a fifth', () => {
    expect(quintiles([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).toEqual([5, 1, 5, 1, 4, 2, 4, 2, 3, 3]);
  });

  it('gives tied values one score: the first of them', () => {
    expect(quintiles([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
  });

  it('names every recency and frequency pair', () => {
    const names = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) names.add(segmentOf(r, f));
    expect([...names].sort()).toEqual([
      'about_to_sleep',
      'at_risk',
      'cant_lose',
      'champions',
      'hibernating',
      'loyal',
      'need_attention',
      'new_customers',
      'potential_loyalists',
      'promising',
    ]);
    expect(segmentOf(5, 5)).toBe('champions');
    expect(segmentOf(1, 1)).toBe('hibernating');
    expect(segmentOf(1, 4)).toBe('at_risk');
    expect(segmentOf(5, 1)).toBe('new_customers');
  });

  it('makes the recent frequent big spender a champion and the long-gone one-time buyer hibernating', () => {
    const customers = Array.from({ length: 10 }, (_, i) => ({
      customer: `c${i}`,
      recencyDays: 100 - i * 10,
      frequency: i + 1,
      monetary: (i + 1) * 20,
    }));
    const scores = rfmScores(customers);
    expect(scores[9]).toEqual({ customer: 'c9', recency: 5, frequency: 5, monetary: 5, segment: 'champions' });
    expect(scores[0]).toEqual({ customer: 'c0', recency: 1, frequency: 1, monetary: 1, segment: 'hibernating' });
  });
});
