// Web Crypto only, so that the same code signs on Node and on Workers, and receivers can copy it.

/** Headers of a signed webhook request. */
export const SIGNATURE_HEADER = 'X-Kith-Signature';
export const TIMESTAMP_HEADER = 'X-Kith-Timestamp';

/**
 * `sha256=<hex>`: HMAC-SHA256 with the webhook's secret of `<timestamp>.<raw body>`, the timestamp
 * being X-Kith-Timestamp (Unix seconds). Signing the time too stops a recorded request from being
 * replayed later: receivers refuse a timestamp more than a few minutes away from their clock.
 */
export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`));
  return `sha256=${hex(mac)}`;
}

/** What a receiver does: true when the signature is the body's and the timestamp within `toleranceSeconds` of now. */
export async function verifyWebhook(
  secret: string,
  headers: { signature: string | null | undefined; timestamp: string | null | undefined },
  body: string,
  options: { now?: number; toleranceSeconds?: number } = {},
): Promise<boolean> {
  const timestamp = Number(headers.timestamp);
  const now = options.now ?? Date.now() / 1000;
  if (
    !headers.signature ||
    !Number.isInteger(timestamp) ||
    Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)
  )
    return false;
  const expected = new TextEncoder().encode(await signWebhook(secret, timestamp, body));
  const given = new TextEncoder().encode(headers.signature);
  // Compared in constant time, so that the signature cannot be guessed byte by byte from timings.
  let difference = expected.length ^ given.length;
  for (let i = 0; i < expected.length; i++) difference |= (expected[i] ?? 0) ^ (given[i] ?? 0);
  return difference === 0;
}

export const hex = (bytes: ArrayBuffer): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
