import { describe, expect, it } from 'vitest';
import { idsOf } from '../storage/storage.ts';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';
import { isPlaceholderId } from './identity-ids.ts';

describe('placeholder user IDs', () => {
  it.each([
    '',
    ' ',
    'null',
    'NULL',
    'undefined',
    '0',
    'anonymous',
    'Guest',
    '[object Object]',
    'NaN',
    'none',
    'true',
    'false',
    'id',
    'email',
    '  null  ',
  ])('refuses %j', (id) => expect(isPlaceholderId(id)).toBe(true));

  it.each(['42', 'customer-1042', 'ada@example.com', 'null-island', '00', 'guest-7'])('accepts %j', (id) =>
    expect(isPlaceholderId(id)).toBe(false),
  );

  it('quarantines identify and track calls with a placeholder userId, and alias from one, keeping the rest', async () => {
    const { post, basic, storage } = await testApp();
    const res = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'identify', messageId: 'i1', anonymousId: 'anon-1', userId: 'undefined' },
          trackEvent('t1', { userId: '[object Object]' }),
          { type: 'alias', messageId: 'a1', userId: 'customer-1', previousId: 'null' },
          trackEvent('ok', { userId: 'customer-1' }),
        ],
      },
      basic(SHOP_KEY),
    );
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, reason: 'placeholder_user_id' },
        { index: 1, reason: 'placeholder_user_id' },
        { index: 2, reason: 'placeholder_user_id' },
      ],
    });
    expect(
      (await storage.events({ ...idsOf('shop', { kind: 'user', id: 'customer-1' }), limit: 10 })).events.map(
        (e) => e.messageId,
      ),
    ).toEqual(['ok']);
  });
});
