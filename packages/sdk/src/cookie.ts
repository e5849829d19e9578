// First-party cookies, the only device storage the SDK uses: the consent choice (strictly
// necessary) and, with analytics consent, the IDs. All go on the registrable domain, so
// `www.shop.example` and `blog.shop.example` share one choice and one visitor.

export const readCookie = (name: string): string | undefined => document.cookie.match(`(?:^|; )${name}=([^;]*)`)?.[1];

/** `cookie` is `name=value` plus attributes; `domain` undefined: host-only. */
const set = (cookie: string, domain?: string) => {
  document.cookie = `${cookie};path=/;samesite=lax${domain ? ';domain=' + domain : ''}${location.protocol == 'https:' ? ';secure' : ''}`;
};

let found: string | undefined;

/**
 * The highest domain that takes a cookie, tried from the top down: for `a.shop.example.co.uk`
 * the browser refuses `co.uk` (a public suffix) and takes `example.co.uk`. Undefined (host-only
 * cookies) on `localhost`, an IP address, or where no domain takes one. Only ever asked with consent.
 */
export function registrableDomain(): string | undefined {
  const { hostname } = location;
  // An IPv4 address ends in a digit and an IPv6 one in `]`; a top-level domain never does.
  const labels = /[\d\]]$/.test(hostname) ? [] : hostname.split('.');
  for (let index = labels.length - 2; !found && index >= 0; index--) {
    const domain = labels.slice(index).join('.');
    set('kith_probe=1', domain);
    if (readCookie('kith_probe')) {
      set('kith_probe=;max-age=0', domain);
      found = domain;
    }
  }
  return found;
}

/**
 * `value` must already be cookie-safe (callers URL-encode); `maxAge` 0 deletes. On a domain, a
 * host-only cookie of the same name (left by an older version) goes: it would shadow the new one.
 */
export function writeCookie(name: string, value: string, maxAge: number, domain?: string): void {
  if (domain) set(name + '=;max-age=0');
  set(`${name}=${value};max-age=${maxAge}`, domain);
}
