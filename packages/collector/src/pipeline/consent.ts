import type { KithEvent } from '@kith/sdk/contract';
import type { Rejection } from './reasons.ts';

/**
 * An event is kept only with a consent that grants analytics (`=== true`: an empty, null or
 * partial consent grants nothing). A browser's events must carry one, Kith's own or another
 * consent manager's mapped by the site (see consent-mapping.ts). A server's events (no browser
 * signals, see http/browser-request.ts) may carry none: the sender answers for its legal basis.
 * Consent events are the record of the choice itself, a refusal included, so they pass.
 */
export function checkConsent(event: KithEvent, fromBrowser: boolean): Rejection | null {
  if (event.type === 'consent') return null;
  const consent = event.context?.consent;
  if (consent === undefined && !fromBrowser) return null;
  return consent?.categories?.analytics === true ? null : { reason: 'no_consent' };
}

/** A banner text is kept as proof under its hash, so the hash must be the text's (sha256 of its JSON). */
export async function checkBannerText(event: KithEvent): Promise<Rejection | null> {
  const { bannerText, bannerTextHash } = (event.properties ?? {}) as { bannerText?: unknown; bannerTextHash?: string };
  if (bannerText === undefined) return null;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(bannerText)));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return hex === bannerTextHash ? null : { reason: 'banner_text_mismatch' };
}
