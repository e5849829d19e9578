// Google Consent Mode v2, for sites that also run Google tags: a denied default before any tag
// reads it, then an update for the stored choice and for every new one.
import type { ConsentState } from '../contract.ts';

/** Google's own snippet: gtag.js acts only on Arguments objects in dataLayer, not on arrays. */
function gtag(..._: unknown[]) {
  const page = window as { dataLayer?: unknown[] };
  // eslint-disable-next-line prefer-rest-params -- see above: it must be the Arguments object.
  (page.dataLayer ??= []).push(arguments);
}

const signals = (analytics: boolean, marketing: boolean) => {
  const ads = marketing ? 'granted' : 'denied';
  return {
    analytics_storage: analytics ? 'granted' : 'denied',
    ad_storage: ads,
    ad_user_data: ads,
    ad_personalization: ads,
  };
};

/** Everything denied until a choice; tags wait up to 500 ms for the update of a stored choice. */
export const consentModeDefault = () => gtag('consent', 'default', { ...signals(false, false), wait_for_update: 500 });

export const consentModeUpdate = ({ categories }: ConsentState) =>
  gtag('consent', 'update', signals(categories.analytics, categories.marketing));
