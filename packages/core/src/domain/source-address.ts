import { isIPv4, isIPv6 } from 'node:net';

/** Longest address text kept as a throttle key (an IPv6 address with a zone is at most 45 + zone characters). */
const MAX_ADDRESS_LENGTH = 64;

/**
 * The unit a source address is throttled by. IPv4 addresses count one by one; IPv6 addresses by their /64 prefix,
 * because one subscriber is routinely given a whole /64 (RFC 6177's minimum assignment is a /56 or /48, SLAAC uses
 * /64) and could otherwise rotate through 2^64 addresses to escape every per-address limit. IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`) counts as the IPv4 address. Anything that is not an IP address (an edge that passes
 * something else) is kept as given, bounded in length, so it still throttles itself.
 */
export function throttleAddress(address: string): string {
  const value = address.trim().toLowerCase();
  if (isIPv4(value)) return value;
  const unzoned = value.split('%')[0] ?? value;
  if (isIPv6(unzoned)) {
    const groups = expandIPv6(unzoned);
    if (groups.slice(0, 6).join(':') === '0:0:0:0:0:ffff') {
      const [high, low] = [Number.parseInt(groups[6]!, 16), Number.parseInt(groups[7]!, 16)];
      return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
    }
    return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return value.slice(0, MAX_ADDRESS_LENGTH);
}

/** The eight groups of a valid IPv6 address, each as lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address;
  // A trailing dotted quad (`::ffff:1.2.3.4`) becomes two hex groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...tailGroups];
  return groups.map((group) => Number.parseInt(group, 16).toString(16));
}
