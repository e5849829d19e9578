// First-party cookies, the only device storage the SDK uses: the consent choice (strictly
// necessary) and, with analytics consent, the IDs. Registrable-domain scoping comes here later.

export function readCookie(name: string): string | undefined {
  return document.cookie.match(`(?:^|; )${name}=([^;]*)`)?.[1];
}

/** `value` must already be cookie-safe (callers URL-encode); `maxAge` 0 deletes. */
export function writeCookie(name: string, value: string, maxAge: number): void {
  document.cookie = `${name}=${value};path=/;max-age=${maxAge};samesite=lax${location.protocol == 'https:' ? ';secure' : ''}`;
}
