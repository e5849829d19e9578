import { describe, expect, it } from 'vitest';
import { parseUserAgent } from './user-agent.ts';

describe('parseUserAgent', () => {
  it('names browser, OS and device of a phone', () => {
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    expect(parseUserAgent(iphone)).toEqual({
      browser: { name: 'Mobile Safari', version: '17.5' },
      os: { name: 'iOS', version: '17.5' },
      device: { type: 'mobile', manufacturer: 'Apple', model: 'iPhone' },
    });
  });

  it('names a desktop Chrome without inventing a device', () => {
    const chrome =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
    expect(parseUserAgent(chrome)).toEqual({
      browser: { name: 'Chrome', version: '156.0.0.0' },
      os: { name: 'Linux' },
    });
  });

  it('returns nothing for a string that is no user agent', () => {
    expect(parseUserAgent('curl-ish nonsense \u0000')).toEqual({});
  });
});
