// The cross-domain linker: a link to another of the site's domains carries a one-time token
// (`_kith`) from the collector, which the SDK there redeems to link the visitor's two IDs.

/** A link waits this long for its token, then goes undecorated: a link must never break. */
const WAIT = 500;

const under = (host: string, domain: string) => ('.' + host).endsWith('.' + domain);

/**
 * The token this page arrived with, taken out of the address bar at once (before consent too:
 * that writes nothing to the device), other parameters and the hash kept as they were.
 */
export function arrivalToken(): string | undefined {
  const { pathname, search, hash } = location;
  const token = search.match(/[?&]_kith=([^&]*)/)?.[1];
  if (token)
    history.replaceState(
      history.state,
      '',
      pathname + search.replace(/([?&])_kith=[^&]*&?/, '$1').replace(/[?&]$/, '') + hash,
    );
  return token && decodeURIComponent(token);
}

/**
 * Decorates a plain left click on a link to one of `domains` (or a subdomain) outside the page's own
 * `site()` domain, which is undefined while links may not be decorated (no analytics consent).
 * `request(target, signal)` asks the collector for the token. Modified clicks, links with a target
 * and links another handler took are left alone.
 */
export function decorateLinks(
  domains: string[],
  site: () => string | undefined,
  request: (target: string, signal: AbortSignal) => Promise<Response>,
): void {
  document.addEventListener('click', (event) => {
    const link = (event.target as Element).closest?.<HTMLAnchorElement>('a[href]');
    const target = link?.hostname;
    const own = target && !link.target && domains.some((domain) => under(target, domain)) && site();
    if (
      !own ||
      under(target, own) ||
      event.defaultPrevented ||
      event.button ||
      event.ctrlKey ||
      event.metaKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    // Made before the link is held back: where it cannot be made (older Safari) the link just goes.
    const signal = AbortSignal.timeout(WAIT);
    event.preventDefault();
    const go = (token?: string) => {
      const url = new URL(link.href);
      if (token) url.searchParams.set('_kith', token);
      location.href = url.href;
    };
    // The signal also ends reading the answer: one way or the other, the link goes once.
    request(target, signal)
      .then((response) => response.json())
      .then(
        (answer?: { token?: string }) => go(answer?.token),
        () => go(),
      );
  });
}
