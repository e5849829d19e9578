// Chromium allows keepalive requests 64 KiB in all per page.
const KEEPALIVE_BYTES = 65536;

/**
 * POSTs `body` as JSON in a string, which goes out as text/plain, a CORS-safelisted type: a
 * cross-origin collector needs no preflight. (A Blob would too, but its bytes are invisible to
 * devtools and test tools.) keepalive lets the request outlive the page, within its budget.
 */
export function post(url: string, body: object, signal?: AbortSignal): Promise<Response> {
  const text = JSON.stringify(body);
  return fetch(url, { method: 'POST', body: text, keepalive: new Blob([text]).size <= KEEPALIVE_BYTES, signal });
}
