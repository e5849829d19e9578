import { afterEach, expect, it } from 'vitest';
import { categories, gtagCommands, resetPage } from '../../test/support.ts';
import { consentModeDefault, consentModeUpdate } from './consent-mode.ts';

afterEach(resetPage);

it('denies every signal by default, waiting 500 ms for an update', () => {
  consentModeDefault();

  expect(gtagCommands()).toEqual([
    [
      'consent',
      'default',
      {
        analytics_storage: 'denied',
        ad_storage: 'denied',
        ad_user_data: 'denied',
        ad_personalization: 'denied',
        wait_for_update: 500,
      },
    ],
  ]);
});

it('maps analytics to analytics_storage and marketing to the three ad signals, after what the page pushed', () => {
  (window as { dataLayer?: unknown[] }).dataLayer = [{ event: 'page' }];
  consentModeUpdate({ policyVersion: '1', categories: categories(true, false) });
  consentModeUpdate({ policyVersion: '1', categories: categories(false, true) });

  expect(gtagCommands()).toEqual([
    { event: 'page' },
    [
      'consent',
      'update',
      { analytics_storage: 'granted', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' },
    ],
    [
      'consent',
      'update',
      { analytics_storage: 'denied', ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' },
    ],
  ]);
});
