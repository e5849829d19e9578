import type { ConsentCategories, ConsentState } from '../contract.ts';
import { readCookie, writeCookie } from '../cookie.ts';

const COOKIE = 'kith_consent';
// Six months, after which the visitor is asked again.
const MAX_AGE = 15552000;

/** Optional categories are granted only when named; nothing is pre-ticked. */
export function consentState(policyVersion: string, categories: Partial<ConsentCategories>): ConsentState {
  return {
    policyVersion,
    categories: { necessary: true, analytics: !!categories.analytics, marketing: !!categories.marketing },
  };
}

/** The stored choice, if the visitor made one for this policy version. */
export function readChoice(policyVersion: string): ConsentState | null {
  const stored = new URLSearchParams(readCookie(COOKIE));
  return stored.get('v') == policyVersion
    ? consentState(policyVersion, { analytics: stored.get('a') == '1', marketing: stored.get('m') == '1' })
    : null;
}

/** Stored as `v=<policyVersion>&a=<0|1>&m=<0|1>`: short, and readable by the collector too. */
export function saveChoice({ policyVersion, categories }: ConsentState): void {
  const value = new URLSearchParams({ v: policyVersion, a: categories.analytics ? '1' : '0', m: categories.marketing ? '1' : '0' });
  writeCookie(COOKIE, value.toString(), MAX_AGE);
}
