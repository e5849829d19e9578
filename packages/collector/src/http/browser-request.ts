/**
 * Whether a request comes from a browser, which must then carry the visitor's consent. Browsers
 * send `Origin` on every POST and every cross-origin request (beacons included), and
 * `Sec-Fetch-Site` / `Sec-Fetch-Dest` on requests to secure origins. `Sec-Fetch-Mode` alone does
 * not count: Node's own fetch sends it (`cors`) from servers too.
 */
export function isBrowserRequest(header: (name: string) => string | undefined): boolean {
  return (
    header('origin') !== undefined || header('sec-fetch-site') !== undefined || header('sec-fetch-dest') !== undefined
  );
}
