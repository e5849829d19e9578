import { describe, expect, it } from 'vitest';
import { changeId, nobleSha256Hex, sha256Hex } from './reconcile.ts';

// A change's messageId must never move: the same change reached again (another collector, a rebuild,
// a later version) is stored once only because it gets the same ID.
describe('change messageIds', () => {
  it('are the IDs earlier versions stored for the same change', () => {
    expect(changeId('shop', 'p-1', 'audience:repeat_buyers', true, 1)).toBe('kith-de367ecf48c634a84ab792e75228b868');
    expect(changeId('shop', 'p-1', 'traits', [['favourite_category', 'Schuhe – Größe 42 👟', 3]], 3)).toBe(
      'kith-de367ecfa0967daeed06785ea32c9aae',
    );
  });

  it('hash the same on Node as with noble (Workers)', () => {
    const texts = ['', 'a', 'Größe 42 👟', JSON.stringify(['shop', 'p', 'x'.repeat(200), '\ud800', 7])];
    for (const text of texts) expect(sha256Hex(text)).toBe(nobleSha256Hex(text));
  });
});
