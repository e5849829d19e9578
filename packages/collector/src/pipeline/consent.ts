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
