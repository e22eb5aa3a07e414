import { BlockList, isIP } from 'node:net';
import { ConfigurationError } from '@devauth/core';
import type { HttpRequest } from './events.js';

/**
 * Which hops in front of API Gateway may speak for the client. By default none: the client address is API Gateway's
 * own `sourceIp` (the TCP peer it saw), which a caller cannot forge. Behind your own CloudFront distribution or proxy
 * that peer is the proxy, so every client would share its address; list the proxy's ranges here and the address is
 * taken from `X-Forwarded-For` instead, walking from the nearest hop back through the header only while the hop is
 * trusted. Entries a client wrote itself sit further left and are never reached.
 */
export type TrustedProxies = readonly string[];

/** Compiles `trustedProxies` (addresses or CIDR ranges, IPv4 or IPv6); throws ConfigurationError naming a bad entry. */
export function compileTrustedProxies(entries: TrustedProxies | undefined): BlockList | undefined {
  if (!entries || entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefixText, extra] = entry.trim().split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
      throw new ConfigurationError(`trustedProxies: "${entry}" is not an IP address or CIDR range.`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** The client address to throttle by (see TrustedProxies). */
export function clientAddressOf(request: HttpRequest, trusted: BlockList | undefined): string | undefined {
  const peer = request.sourceIp;
  if (peer === undefined || trusted === undefined) return peer;
  const hops = (request.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  let client = peer;
  while (isTrusted(trusted, client)) {
    const previous = hops.pop();
    // A trusted hop that names no valid client is a misconfigured proxy: stay with the last address we can vouch for.
    if (previous === undefined || isIP(previous) === 0) break;
    client = previous;
  }
  return client;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
