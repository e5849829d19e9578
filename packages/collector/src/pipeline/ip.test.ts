import { describe, expect, it } from 'vitest';
import { applyIpMode } from './ip.ts';

describe('applyIpMode', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:DB8:85A3::7348', '2001:db8:85a3::'],
    ['[2001:db8::1]', '2001:db8::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::1', '::'],
    ['64:ff9b::192.0.2.33', '64:ff9b::'],
  ])('truncates %s to %s', (address, network) => {
    expect(applyIpMode(address, 'truncate')).toBe(network);
  });

  it('keeps or drops the address when the site says so', () => {
    expect(applyIpMode('203.0.113.77', 'keep')).toBe('203.0.113.77');
    expect(applyIpMode('2001:db8:0:0:1:0:0:1', 'keep')).toBe('2001:db8::1:0:0:1');
    expect(applyIpMode('203.0.113.77', 'drop')).toBeUndefined();
  });

  it.each(['256.1.1.1', '1.2.3', 'not an ip', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '', '<script>'])(
    'refuses %j rather than storing something that is not an address',
    (address) => {
      expect(applyIpMode(address, 'truncate')).toBeUndefined();
    },
  );
});
