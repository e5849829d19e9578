import { afterEach, expect, it, vi } from 'vitest';
import { categories, cookies, resetPage, single } from '../../test/support.ts';
import { consentState, optionalCategories, readChoice, saveChoice } from './consent.ts';

afterEach(resetPage);

const DAY = 86400;
const optional = optionalCategories(['video']);
const BUILT_IN = optionalCategories([]);

it('pre-ticks nothing but the necessary category, the site categories included', () => {
  expect(consentState('1', {}, optional)).toEqual({
    policyVersion: '1',
    categories: categories(false, false, { video: false }),
  });
});

it('offers the built-in categories first and never necessary as a choice', () => {
  expect(optionalCategories(['video', 'necessary', 'analytics'])).toEqual(['analytics', 'marketing', 'video']);
});

it('stores the choice compactly with its time and reads it back for its policy version only', () => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-01-01T00:00:00Z') });
  const state = consentState('2024-05', { analytics: true, video: true }, optional);
  saveChoice(state);

  expect(document.cookie).toBe('kith_consent=v=2024-05&a=1&m=0&c.video=1&t=1735689600');
  expect(readChoice('2024-05', optional)).toEqual(state);
  expect(readChoice('2025-01', optional)).toBeNull();
});

it('keeps the choice cookie for six months by default', async () => {
  saveChoice(consentState('1', {}, BUILT_IN));

  const cookie = single(await cookies());
  expect(cookie).toMatchObject({ name: 'kith_consent', path: '/', sameSite: 'Lax' });
  expect(cookie.expires - Date.now() / 1000).toBeCloseTo(182 * DAY, -1);
});

it('asks again once the choice is older than its lifetime, even if the cookie outlived it', () => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-01-01T00:00:00Z') });
  saveChoice(consentState('1', { analytics: true }, BUILT_IN), 30);
  vi.setSystemTime(new Date('2025-01-30T23:59:00Z'));
  expect(readChoice('1', optional, 30)).not.toBeNull();
  expect(readChoice('1', optional, 20)).toBeNull();
  vi.setSystemTime(new Date('2025-01-31T00:00:01Z'));
  expect(readChoice('1', optional, 30)).toBeNull();
});

it('keeps a choice 13 months at most, whatever lifetime is configured', async () => {
  saveChoice(consentState('1', {}, BUILT_IN), 1000);

  expect(single(await cookies()).expires - Date.now() / 1000).toBeCloseTo(395 * DAY, -1);
});

it('treats a choice without its time as expired', () => {
  document.cookie = 'kith_consent=v=1&a=1&m=1;path=/';
  expect(readChoice('1', optional)).toBeNull();
});

it('has no choice without the cookie', () => {
  expect(readChoice('1', optional)).toBeNull();
});
