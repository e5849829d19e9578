import type { KithEvent } from '@kith/sdk/contract';
import type { Rejection } from './reasons.ts';

/**
 * Browser events carry the visitor's consent; without analytics granted they are refused.
 * Events without `context.consent` come from server-side senders, who answer for their legal basis.
 */
export function checkConsent(event: KithEvent): Rejection | null {
  if (event.type === 'consent') return null;
  const consent = event.context?.consent;
  if (consent === undefined) return null;
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
