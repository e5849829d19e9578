import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';

const bannerText = {
  title: 'Cookie consent',
  body: 'We would like to use cookies for analytics.',
  accept: 'Accept all',
  reject: 'Reject all',
};
const hashOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

const consentEvent = (messageId: string, overrides: Record<string, unknown> = {}) => ({
  type: 'consent',
  messageId,
  anonymousId: 'anon-1',
  timestamp: '2026-06-01T11:58:00.000Z',
  properties: {
    policyVersion: '2',
    categories: { necessary: true, analytics: true, marketing: false },
    method: 'custom',
    locale: 'en-GB',
    bannerText,
    bannerTextHash: hashOf(bannerText),
    ...overrides,
  },
});

describe('proof of consent', () => {
  it('keeps each consent in the log and each banner text once, and exports them with the events', async () => {
    const { post, basic, admin, storage } = await testApp();
    const res = await post(
      '/v1/batch',
      {
        batch: [
          consentEvent('c1'),
          trackEvent('t1'),
          consentEvent('c2', {
            method: 'withdraw',
            categories: { necessary: true, analytics: false, marketing: false },
          }),
        ],
      },
      basic(SHOP_KEY),
    );
    expect(await res.json()).toMatchObject({ accepted: 3, rejected: [] });
    expect(await storage.bannerTexts([hashOf(bannerText)])).toEqual({ [hashOf(bannerText)]: bannerText });

    const exported = await (await admin('/v1/persons/anonymous/anon-1/export?site=shop')).json();
    expect(exported).toMatchObject({
      ok: true,
      person: { site: 'shop', anonymousIds: ['anon-1'], eventCount: 1 },
      events: [expect.objectContaining({ messageId: 't1' })],
      consents: [
        {
          messageId: 'c1',
          consent: {
            method: 'custom',
            policyVersion: '2',
            bannerTextHash: hashOf(bannerText),
            categories: { analytics: true },
          },
        },
        { messageId: 'c2', consent: { method: 'withdraw', categories: { analytics: false } } },
      ],
      bannerTexts: { [hashOf(bannerText)]: bannerText },
    });
  });

  it('refuses a consent whose banner text does not match its hash', async () => {
    const { post, basic, storage } = await testApp();
    const forged = consentEvent('c1', { bannerText: { ...bannerText, body: 'Something else' } });
    const res = await post('/v1/batch', { batch: [forged] }, basic(SHOP_KEY));
    expect(await res.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0, reason: 'banner_text_mismatch' }] });
    expect(await storage.consents(idsOf('shop', { kind: 'anonymous', id: 'anon-1' }))).toEqual([]);
  });

  it('refuses a consent event without policy version, categories or method', async () => {
    const { post, basic } = await testApp();
    const res = await post(
      '/v1/batch',
      { batch: [{ type: 'consent', anonymousId: 'a', properties: { categories: { analytics: true } } }] },
      basic(SHOP_KEY),
    );
    expect(await res.json()).toMatchObject({ rejected: [{ reason: 'invalid_consent' }] });
  });

  it('answers an export without the admin token with 401', async () => {
    const { app } = await testApp();
    expect((await app.request('/v1/persons/anonymous/anon-1/export')).status).toBe(401);
  });
});
