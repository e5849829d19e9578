// Chromium allows keepalive requests 64 KiB in all per page.
const KEEPALIVE_BYTES = 65536;

/**
 * POSTs `body` as JSON in a string, which goes out as text/plain, a CORS-safelisted type: a
 * cross-origin collector needs no preflight. (A Blob would too, but its bytes are invisible to
 * devtools and test tools.) keepalive lets the request outlive the page, within its budget.
 * Credentials go to a collector on another origin too: on another origin of the same site (the
 * page on shop.example, `data-host` on collect.shop.example) its device cookie is stored and sent.
 */
export function post(url: string, body: object, signal?: AbortSignal): Promise<Response> {
  const text = JSON.stringify(body);
  return fetch(url, {
    method: 'POST',
    body: text,
    credentials: 'include',
    keepalive: new Blob([text]).size <= KEEPALIVE_BYTES,
    signal,
  });
}
