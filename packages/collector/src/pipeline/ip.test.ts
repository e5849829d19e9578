import { describe, expect, it } from 'vitest';
import { applyIpMode, clientKey } from './ip.ts';

describe('applyIpMode', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:DB8:85A3::7348', '2001:db8:85a3::'],
    ['[2001:db8::1]', '2001:db8::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::1', '::'],
    // IPv4 carried inside IPv6: the client's IPv4 network, as for an IPv4 client.
    ['64:ff9b::192.0.2.33', '192.0.2.0'],
    ['2002:c633:6417::1', '198.51.100.0'],
    ['2002:c633:6417:4:5:6:7:8', '198.51.100.0'],
    // Teredo: server 65.54.227.120, client 198.51.100.23 (inverted: 39cc:9be8) behind port 40000.
    ['2001:0:4136:e378:8000:63bf:39cc:9be8', '198.51.100.0'],
    ['::ffff:c633:6417', '198.51.100.0'],
    ['::ffff:198.51.100.23', '198.51.100.0'],
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

  it.each([
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['203.0.113.77', '203.0.113.77'],
    ['::ffff:203.0.113.77', '203.0.113.77'],
    ['2002:cb00:714d::1', '203.0.113.77'],
  ])('limits %s as the client %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
