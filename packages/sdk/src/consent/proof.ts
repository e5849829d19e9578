import type { ConsentMethod, ConsentProperties, ConsentState } from '../contract.ts';

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The `properties` of a consent event. `bannerText` is what the visitor read when choosing in the
 * banner; its hash is over exactly the JSON sent, so the collector can recompute it and keep each
 * text version once. A choice made through the API comes from the site's own UI: no banner text.
 */
export async function consentProperties(
  state: ConsentState,
  method: ConsentMethod,
  bannerText?: Record<string, string>,
): Promise<ConsentProperties> {
  const properties: ConsentProperties = { ...state, method, locale: document.documentElement.lang || navigator.language };
  if (bannerText) {
    properties.bannerText = bannerText;
    properties.bannerTextHash = await sha256Hex(JSON.stringify(bannerText));
  }
  return properties;
}
