import { describe, expect, it } from 'vitest';
import { changeId } from './reconcile.ts';

// In workerd, with no node:crypto: the change IDs a Node collector makes (reconcile.test.ts).
describe('change messageIds on Workers', () => {
  it('are the IDs Node makes for the same change', () => {
    expect(changeId('shop', 'p-1', 'audience:repeat_buyers', true, 1)).toBe('kith-de367ecf48c634a84ab792e75228b868');
    expect(changeId('shop', 'p-1', 'traits', [['favourite_category', 'Schuhe – Größe 42 👟', 3]], 3)).toBe(
      'kith-de367ecfa0967daeed06785ea32c9aae',
    );
  });
});
