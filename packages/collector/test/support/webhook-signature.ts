import { createHmac, timingSafeEqual } from 'node:crypto';

/** The receiver side, written with node:crypto rather than sign.ts, as a receiver would. */
export function verifySignature(secret: string, timestamp: unknown, signature: unknown, body: string): boolean {
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
