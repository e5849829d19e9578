// First-party cookies, the only device storage the SDK uses: the consent choice (strictly
// necessary) and, with analytics consent, the IDs. All go on the registrable domain, so
// `www.shop.example` and `blog.shop.example` share one choice and one visitor.

// Read once and kept until the next write: every read of document.cookie is a synchronous round
// trip to the browser's network process, up to 20 ms on a slow phone. Writes come from a visitor's
// choice or calls after it, and a read after one sees what other tabs wrote meanwhile too. (cookieStore
// reads without blocking, but where it exists, Chromium, it took as long to set up: measured, not kept.)
let jar: Record<string, string> | undefined;

/** As on a new page: the next read goes to document.cookie. (For tests, which write cookies past the SDK.) */
export const forgetCookies = () => (jar = undefined);

export const readCookie = (name: string): string | undefined =>
  (jar ??= Object.fromEntries(document.cookie.split('; ').map((cookie) => cookie.split(/=(.*)/) as [string, string])))[
    name
  ];

/** `cookie` is `name=value` plus attributes; `domain` undefined: host-only. */
const set = (cookie: string, domain?: string) => {
  jar = undefined;
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
      writeCookie('kith_probe', '', 0, domain);
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
