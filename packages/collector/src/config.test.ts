import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('parseConfig', () => {
  it('fills defaults for a minimal site', () => {
    expect(parseConfig({ sites: [{ id: 'shop', writeKey: 'key', origins: ['https://shop.example'] }] })).toEqual({
      sites: [{ id: 'shop', writeKey: 'key', origins: ['https://shop.example'], linkerDomains: [] }],
      ip: 'truncate',
      stitching: false,
      rateLimit: { perAddress: 50, perSite: 5000 },
      predictions: { refitHours: 24 },
    });
  });

  it.each([
    [{}, /sites/],
    [{ sites: [] }, /needs at least one site/],
    [{ sites: [{ id: 'shop', writeKey: 'key', origins: ['shop.example'] }] }, /sites\.0\.origins\.0: must be an origin/],
    [{ sites: [{ id: 'shop', origins: [] }] }, /sites\.0\.writeKey/],
    [{ sites: [{ id: 'a', writeKey: 'key', origins: [] }], ip: 'hash' }, /ip: must be "truncate", "drop" or "keep"/],
    [{ sites: [{ id: 'a', writeKey: 'key', origins: [] }, { id: 'b', writeKey: 'key', origins: [] }] }, /own writeKey/],
  ])('names the field and the fix: %j', (raw, message) => {
    expect(() => parseConfig(raw, 'kith.config.json')).toThrow(ConfigError);
    expect(() => parseConfig(raw, 'kith.config.json')).toThrow(message);
  });
});
