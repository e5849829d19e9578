import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './sign.ts';

const SECRET = 'sign-test-secret-0123456789';
const BODY = JSON.stringify({ batch: [{ type: 'track', messageId: 'm1', site: 'shop' }] });
const NOW = 1_780_000_000;

describe('webhook signatures', () => {
  it('signs "<timestamp>.<raw body>" with HMAC-SHA256, as sha256=<hex>', async () => {
    const reference = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(await signWebhook(SECRET, NOW, BODY)).toBe(`sha256=${reference}`);
  });

  it('verifies its own signature within the tolerance', async () => {
    const signature = await signWebhook(SECRET, NOW, BODY);
    expect(await verifyWebhook(SECRET, { signature, timestamp: String(NOW) }, BODY, { now: NOW + 299 })).toBe(true);
  });

  it.each([
    ['a changed body', { body: BODY.replace('m1', 'm2') }],
    ['another secret', { secret: 'another-secret-0123456789' }],
    ['a changed timestamp', { timestamp: String(NOW + 1) }],
    ['a replay after the tolerance', { now: NOW + 301 }],
    ['no signature', { signature: '' }],
    ['a cut signature', { cut: true }],
  ])(
    'refuses %s',
    async (
      _case,
      change: { body?: string; secret?: string; timestamp?: string; now?: number; signature?: string; cut?: boolean },
    ) => {
      const signed = await signWebhook(SECRET, NOW, BODY);
      const signature = change.signature ?? (change.cut ? signed.slice(0, -2) : signed);
      const ok = await verifyWebhook(
        change.secret ?? SECRET,
        { signature, timestamp: change.timestamp ?? String(NOW) },
        change.body ?? BODY,
        { now: change.now ?? NOW },
      );
      expect(ok).toBe(false);
    },
  );
});
