import {
  convertIPv4BinaryToString,
  convertIPv4MappedIPv6ToIPv4,
  convertIPv4ToBinary,
  convertIPv6BinaryToString,
  convertIPv6ToBinary,
  distinctRemoteAddr,
  isIPv4MappedIPv6,
} from 'hono/utils/ipaddr';

export type IpMode = 'truncate' | 'drop' | 'keep';

const IPV4_NETWORK = 0xffffff00n; // /24
const IPV6_NETWORK = ((1n << 48n) - 1n) << 80n; // /48

/**
 * The address as the site's config allows it: by default only the network (IPv4 /24, IPv6 /48),
 * which still gives coarse geography but no longer points at one household. Anything that is
 * not an address is not stored.
 */
export function applyIpMode(address: string | undefined, mode: IpMode): string | undefined {
  if (address === undefined || mode === 'drop') return undefined;
  const ip = address.trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  try {
    const kind = distinctRemoteAddr(ip);
    if (kind === 'IPv4') return ipv4(convertIPv4ToBinary(ip), mode);
    if (kind !== 'IPv6') return undefined;
    const binary = convertIPv6ToBinary(ip);
    if (isIPv4MappedIPv6(binary)) return ipv4(convertIPv4MappedIPv6ToIPv4(binary), mode);
    return convertIPv6BinaryToString(mode === 'keep' ? binary : binary & IPV6_NETWORK);
  } catch {
    return undefined;
  }
}

const ipv4 = (binary: bigint, mode: IpMode) => convertIPv4BinaryToString(mode === 'keep' ? binary : binary & IPV4_NETWORK);
