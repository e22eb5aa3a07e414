import { isIPv4, isIPv6 } from 'node:net';
import type { ClientHint } from '@devauth/core';

/**
 * The coarse description of a client that a session list shows its owner (ASVS 5.0 7.5: a user can see and end
 * their active sessions): a browser and system family from the User-Agent, and the address's network (/24 for IPv4,
 * /48 for IPv6). Deliberately coarse: a full user agent and address would be tracking data the user never needs to
 * recognise their own devices.
 */
export function clientHintOf(userAgent: string | undefined, address: string | undefined): ClientHint {
  return { userAgent: userAgentFamily(userAgent), addressPrefix: addressPrefix(address) };
}

/** Checked in order: Edge and Opera announce Chrome too, Chrome announces Safari. */
const BROWSERS: ReadonlyArray<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrome\/|\bCriOS\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];
const SYSTEMS: ReadonlyArray<[RegExp, string]> = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

function userAgentFamily(userAgent: string | undefined): string | null {
  // Bounded before any matching: a header may be kilobytes.
  const value = userAgent?.slice(0, 512).trim();
  if (!value) return null;
  const browser = BROWSERS.find(([pattern]) => pattern.test(value))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(value))?.[1];
  if (browser) return system ? `${browser} on ${system}` : browser;
  // Not a browser (an SDK, a CLI): its first product name, e.g. `okhttp/4.12` -> `okhttp`.
  const product = /^[A-Za-z][\w.-]{0,31}/.exec(value)?.[0];
  return product ? (system ? `${product} on ${system}` : product) : null;
}

function addressPrefix(address: string | undefined): string | null {
  if (!address) return null;
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(address)) return null;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  const network = groups.slice(0, 3).map((group) => Number.parseInt(group || '0', 16).toString(16));
  // Written compressed, as addresses are: trailing zero groups fold into the `::`.
  while (network.at(-1) === '0') network.pop();
  return `${network.join(':')}::/48`;
}
