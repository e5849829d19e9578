import { afterEach, expect, it } from 'vitest';
import { cookies, resetPage } from '../testing.ts';
import { consentState, readChoice, saveChoice } from './consent.ts';

afterEach(resetPage);

it('pre-ticks nothing but the necessary category', () => {
  expect(consentState('1', {})).toEqual({ policyVersion: '1', categories: { necessary: true, analytics: false, marketing: false } });
});

it('stores the choice compactly for six months and reads it back for its policy version only', async () => {
  const state = consentState('2024-05', { analytics: true });
  saveChoice(state);

  expect(document.cookie).toBe('kith_consent=v=2024-05&a=1&m=0');
  const [cookie] = await cookies();
  expect(cookie).toMatchObject({ path: '/', sameSite: 'Lax' });
  expect(cookie!.expires - Date.now() / 1000).toBeCloseTo(15552000, -1);
  expect(readChoice('2024-05')).toEqual(state);
  expect(readChoice('2025-01')).toBeNull();
});

it('has no choice without the cookie', () => {
  expect(readChoice('1')).toBeNull();
});
