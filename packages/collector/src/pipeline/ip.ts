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
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  if (parsed.kind === 'IPv4') return ipv4(parsed.binary, mode);
  if (mode === 'keep') return convertIPv6BinaryToString(parsed.binary);
  // An IPv6 address that carries an IPv4 one keeps it within its first 48 bits (6to4) or past
  // them (Teredo, NAT64): truncated as IPv6 it would still name, or drop, the household's IPv4.
  const carried = embeddedIPv4(parsed.binary);
  return carried === undefined ? convertIPv6BinaryToString(parsed.binary & IPV6_NETWORK) : ipv4(carried, 'truncate');
}

/**
 * What one client is, for rate limits: an IPv4 address, or an IPv6 /64, the smallest network an
 * ISP hands a household (which can rotate through its 2^64 addresses at will).
 */
export function clientKey(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed) return address;
  if (parsed.kind === 'IPv4') return convertIPv4BinaryToString(parsed.binary);
  const carried = embeddedIPv4(parsed.binary);
  return carried === undefined
    ? `${convertIPv6BinaryToString(parsed.binary & IPV6_CLIENT)}/64`
    : convertIPv4BinaryToString(carried);
}

const IPV6_CLIENT = ((1n << 64n) - 1n) << 64n; // /64

/** The address as IPv4 (also an IPv4-mapped IPv6 one) or IPv6, as a number; undefined when it is not an address. */
function parseAddress(address: string): { kind: 'IPv4' | 'IPv6'; binary: bigint } | undefined {
  const ip = address
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '');
  try {
    const kind = distinctRemoteAddr(ip);
    if (kind === 'IPv4') return { kind, binary: convertIPv4ToBinary(ip) };
    if (kind !== 'IPv6') return undefined;
    const binary = convertIPv6ToBinary(ip);
    return isIPv4MappedIPv6(binary) ? { kind: 'IPv4', binary: convertIPv4MappedIPv6ToIPv4(binary) } : { kind, binary };
  } catch {
    return undefined;
  }
}

const BITS_32 = (1n << 32n) - 1n;

/** The client's IPv4 inside 6to4 (2002::/16), Teredo (2001::/32, inverted in the last 32 bits) and NAT64 (64:ff9b::/96) addresses. */
function embeddedIPv4(binary: bigint): bigint | undefined {
  if (binary >> 112n === 0x2002n) return (binary >> 80n) & BITS_32;
  if (binary >> 96n === 0x20010000n) return ~binary & BITS_32;
  if (binary >> 32n === 0x0064ff9b0000000000000000n) return binary & BITS_32;
  return undefined;
}

const ipv4 = (binary: bigint, mode: IpMode) =>
  convertIPv4BinaryToString(mode === 'keep' ? binary : binary & IPV4_NETWORK);
