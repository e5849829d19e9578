import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('parseConfig', () => {
  it('fills defaults for a minimal site', () => {
    expect(parseConfig({ sites: [{ id: 'shop', writeKey: 'key', origins: ['https://shop.example'] }] })).toEqual({
      sites: [
        {
          id: 'shop',
          writeKey: 'key',
          origins: ['https://shop.example'],
          linkerDomains: [],
          traits: [],
          audiences: [],
          stages: [],
        },
      ],
      ip: 'truncate',
      stitching: false,
      rateLimit: { perAddress: 50, perSite: 5000 },
      predictions: { refitHours: 24 },
    });
  });

  it.each([
    [{}, /sites/],
    [{ sites: [] }, /needs at least one site/],
    [
      { sites: [{ id: 'shop', writeKey: 'key', origins: ['shop.example'] }] },
      /sites\.0\.origins\.0: must be an origin/,
    ],
    [{ sites: [{ id: 'shop', origins: [] }] }, /sites\.0\.writeKey/],
    [{ sites: [{ id: 'a', writeKey: 'key', origins: [] }], ip: 'hash' }, /ip: must be "truncate", "drop" or "keep"/],
    [
      {
        sites: [
          { id: 'a', writeKey: 'key', origins: [] },
          { id: 'b', writeKey: 'key', origins: [] },
        ],
      },
      /own writeKey/,
    ],
  ])('names the field and the fix: %j', (raw, message) => {
    expect(() => parseConfig(raw, 'kith.config.json')).toThrow(ConfigError);
    expect(() => parseConfig(raw, 'kith.config.json')).toThrow(message);
  });

  it.each([
    [
      { sites: [{ id: 'a', writeKey: 'key', origins: [] }], retentionDay: 30 },
      /^kith\.config\.json is invalid: retentionDay: is not a known key; did you mean "retentionDays"\?/,
    ],
    [
      { sites: [{ id: 'a', writeKey: 'key', origins: [], linkerDomain: ['x.example'] }] },
      /sites\.0\.linkerDomain: is not a known key; did you mean "linkerDomains"\?/,
    ],
    [
      { sites: [{ id: 'a', writeKey: 'key', origins: [] }], rateLimit: { perAdress: 5 } },
      /rateLimit\.perAdress: is not a known key; did you mean "perAddress"\?/,
    ],
    [
      { sites: [{ id: 'a', writeKey: 'key', origins: [] }], forward: { webhooks: [], retry: { maxMS: 1 } } },
      /forward\.retry\.maxMS: is not a known key; did you mean "maxMs"\?/,
    ],
    [
      { sites: [{ id: 'a', writeKey: 'key', origins: [] }], colour: 'blue' },
      /colour: is not a known key \(known here: sites, ip, retentionDays/,
    ],
  ])('refuses an unknown key, naming the closest known one: %j', (raw, message) => {
    expect(() => parseConfig(raw, 'kith.config.json')).toThrow(message);
  });

  it.each([
    [{ retentionDays: 1e15 }, /retentionDays: must be at most 36500/],
    [{ retentionDays: 0.5 }, /retentionDays: must be a whole number/],
    [{ rateLimit: { perAddress: 1e300 } }, /rateLimit\.perAddress: must be at most 1000000/],
    [{ forward: { webhooks: [], pollMs: 1e12 } }, /forward\.pollMs: must be at most 3600000/],
    [
      { sites: [{ id: 'a', writeKey: 'has space', origins: [] }] },
      /sites\.0\.writeKey: must be printable ASCII without spaces or ":"/,
    ],
    [{ sites: [{ id: 'a', writeKey: 'user:pass', origins: [] }] }, /sites\.0\.writeKey: must be printable ASCII/],
  ])('refuses an absurd or unusable value: %j', (overrides, message) => {
    expect(() =>
      parseConfig({ sites: [{ id: 'a', writeKey: 'key', origins: [] }], ...overrides }, 'kith.config.json'),
    ).toThrow(message);
  });

  it('says everything wrong on one line', () => {
    const error = (() => {
      try {
        parseConfig({ sites: [{ id: 'a', writeKey: 'k', origins: [] }], retentionDay: 3 }, 'kith.config.json');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).not.toContain('\n');
    expect(error?.message).toMatch(/writeKey: must be at least 3 characters; retentionDay: is not a known key/);
  });
});
