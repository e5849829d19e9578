import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { createSites } from './sites.ts';

const sites = createSites(
  parseConfig({
    sites: [
      {
        id: 'shop',
        writeKey: 'key',
        origins: ['https://shop.example', 'https://*.shop.example', 'http://localhost:*'],
      },
    ],
  }),
);
const shop = sites.byWriteKey('key')!;

describe('origin patterns', () => {
  it.each([
    ['https://shop.example', true],
    ['https://www.shop.example', true],
    ['https://a.b.shop.example', true],
    ['http://localhost:8787', true],
    ['http://shop.example', false],
    ['https://evilshop.example', false],
    ['https://shop.example.evil.example', false],
    ['https://shop.example:8443', false],
    ['http://localhost.evil.example:80', false],
    ['null', false],
  ])('%s allowed: %s', (origin, allowed) => {
    expect(sites.allowsOrigin(shop, origin)).toBe(allowed);
  });
});
