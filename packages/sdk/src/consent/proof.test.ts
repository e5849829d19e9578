import { afterEach, expect, it } from 'vitest';
import { categories, resetPage } from '../../test/support.ts';
import { bannerProof, consentProperties } from './proof.ts';

afterEach(resetPage);

const STATE = { policyVersion: '3', categories: categories(true, false) };

it('hashes the banner text as the collector will: SHA-256 of its JSON in UTF-8, lowercase hex', async () => {
  // Made with Node: createHash('sha256').update(JSON.stringify({ title: 'Größe „x“' })).digest('hex')
  const properties = await consentProperties(STATE, 'custom', bannerProof({ title: 'Größe „x“' }));

  expect(properties).toEqual({
    ...STATE,
    method: 'custom',
    locale: document.documentElement.lang || navigator.language,
    bannerText: { title: 'Größe „x“' },
    bannerTextHash: '1ecfe2a69702762625e18d650f82f56c6f75f42b1e33ab450bb1462db17b1312',
  });
});

it('names the page language as the locale', async () => {
  document.documentElement.lang = 'de-AT';
  expect((await consentProperties(STATE, 'accept-all', bannerProof({}))).locale).toBe('de-AT');
});

it('carries no banner text for a choice made through the API', async () => {
  const properties = await consentProperties(STATE, 'api');
  expect(properties).not.toHaveProperty('bannerText');
  expect(properties).not.toHaveProperty('bannerTextHash');
});
