import type { ConsentCategories, ConsentState } from '../contract.ts';
import { readCookie, writeCookie } from '../cookie.ts';

const COOKIE = 'kith_consent';
const now = () => Date.now() / 1000;

/** The built-in optional categories first, then the site's own; `necessary` is never a choice. */
export const optionalCategories = (siteCategories: string[]): string[] =>
  [...new Set(['analytics', 'marketing', ...siteCategories])].filter((name) => name != 'necessary');

/** Seconds a choice stands: six months by default, never more than 13 (CNIL's longest). */
export const lifetimeSeconds = (days = 182) => Math.min(Math.max(days, 1), 395) * 86400;

/** Optional categories are granted only when named; nothing is pre-ticked. */
export function consentState(
  policyVersion: string,
  chosen: Partial<ConsentCategories>,
  optional: string[],
): ConsentState {
  const categories: ConsentCategories = { necessary: true, analytics: false, marketing: false };
  for (const name of optional) categories[name] = !!chosen[name];
  return { policyVersion, categories };
}

// The built-in categories keep the one-letter keys of the first cookie format; the prefix keeps
// a site's own category names from clashing with `v` and `t`.
const key = (category: string) => (category == 'analytics' ? 'a' : category == 'marketing' ? 'm' : 'c.' + category);

/** The stored choice, if the visitor made one for this policy version within its lifetime. */
export function readChoice(policyVersion: string, optional: string[], lifetimeDays?: number): ConsentState | null {
  const stored = new URLSearchParams(readCookie(COOKIE));
  // A shorter lifetime configured since the choice applies too, so the age is checked, not only Max-Age.
  return stored.get('v') == policyVersion && now() - Number(stored.get('t')) < lifetimeSeconds(lifetimeDays)
    ? consentState(
        policyVersion,
        Object.fromEntries(optional.map((name) => [name, stored.get(key(name)) == '1'])),
        optional,
      )
    : null;
}

/**
 * Stored as `v=<policyVersion>&a=<0|1>&m=<0|1>[&c.<site category>=<0|1>]&t=<unix seconds>`: short, and
 * readable by the collector too. On the IDs' `domain`: the choice governs them wherever they are read.
 */
export function saveChoice({ policyVersion, categories }: ConsentState, lifetimeDays?: number, domain?: string): void {
  const value = new URLSearchParams({ v: policyVersion });
  for (const name in categories) if (name != 'necessary') value.set(key(name), categories[name] ? '1' : '0');
  value.set('t', '' + Math.floor(now()));
  writeCookie(COOKIE, '' + value, lifetimeSeconds(lifetimeDays), domain);
}
