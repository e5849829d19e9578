import { afterEach, expect, it } from 'vitest';
import { resetPage } from '../../test/support.ts';
import { bannerTexts } from './texts.ts';

afterEach(resetPage);

it.each(['de', 'de-DE', 'DE-at'])('speaks German on a page in %s', (lang) => {
  document.documentElement.lang = lang;
  expect(bannerTexts({ gpc: false })).toMatchObject({
    acceptAll: 'Alle akzeptieren',
    rejectAll: 'Alle ablehnen',
    settings: 'Einstellungen',
  });
});

it.each(['', 'en-GB', 'fr', 'dek'])('speaks English on a page in "%s"', (lang) => {
  document.documentElement.lang = lang;
  expect(bannerTexts({ gpc: false })).toMatchObject({
    acceptAll: 'Accept all',
    rejectAll: 'Reject all',
    settings: 'Settings',
  });
});

it('holds only the texts shown: links and the GPC note when they apply, then the site categories', () => {
  expect(
    Object.keys(
      bannerTexts({ gpc: false, categories: { video: { label: 'Videos', description: 'YouTube embeds.' } } }),
    ),
  ).toEqual([
    'title',
    'text',
    'acceptAll',
    'rejectAll',
    'settings',
    'save',
    'necessaryLabel',
    'necessaryDescription',
    'analyticsLabel',
    'analyticsDescription',
    'marketingLabel',
    'marketingDescription',
    'videoLabel',
    'videoDescription',
  ]);
  expect(bannerTexts({ gpc: true, privacyUrl: '/privacy', imprintUrl: '/imprint' })).toMatchObject({
    gpc: expect.stringContaining('Global Privacy Control'),
    privacy: 'Privacy policy',
    imprint: 'Imprint',
  });
});

it('lets the site replace any text shown, and only those', () => {
  const texts = bannerTexts({ gpc: false, texts: { title: 'Cookies?', imprint: 'Legal' } });
  expect(texts.title).toBe('Cookies?');
  expect(texts).not.toHaveProperty('imprint');
});
