import type { ConsentMethod, ConsentProperties, ConsentState } from '../contract.ts';

/** What a choice made in the banner adds to its record: the texts the visitor read, and their hash. */
export type BannerProof = Promise<Pick<ConsentProperties, 'bannerText' | 'bannerTextHash'>>;

/**
 * The proof of the banner's `texts`: its hash is over exactly the JSON sent, so the collector can
 * recompute it and keep each text version once. Only the banner uses it.
 */
export async function bannerProof(texts: Record<string, string>): BannerProof {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(texts)));
  return {
    bannerText: texts,
    bannerTextHash: Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join(''),
  };
}

/** The `properties` of a consent event. A choice made through the API comes from the site's own UI: no banner proof. */
export async function consentProperties(
  state: ConsentState,
  method: ConsentMethod,
  proof?: BannerProof,
): Promise<ConsentProperties> {
  return { ...state, method, locale: document.documentElement.lang || navigator.language, ...(await proof) };
}
