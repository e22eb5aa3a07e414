import { describe, expect, it } from 'vitest';
import { clientAddressOf, compileTrustedProxies } from '../src/client-address.js';
import type { HttpRequest } from '../src/events.js';

function request(sourceIp: string | undefined, forwardedFor?: string): HttpRequest {
  return {
    version: 2,
    method: 'POST',
    path: '/auth/login',
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    body: undefined,
    isBase64Encoded: false,
    sourceIp,
    requestId: undefined,
  };
}

describe('client address behind trusted proxies', () => {
  const cloudfront = compileTrustedProxies(['130.176.0.0/16', '2600:9000::/28']);

  it('is API Gateway sourceIp when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    expect(compileTrustedProxies([])).toBeUndefined();
    expect(clientAddressOf(request('203.0.113.7', '198.51.100.1'), undefined)).toBe('203.0.113.7');
  });

  it('walks back through X-Forwarded-For only while the hop is trusted', () => {
    // Client 198.51.100.1 -> CloudFront 130.176.1.1 -> API Gateway (sourceIp = the CloudFront edge).
    expect(clientAddressOf(request('130.176.1.1', '198.51.100.1'), cloudfront)).toBe('198.51.100.1');
    // A forged leftmost entry is never reached: the first untrusted hop from the right wins.
    expect(clientAddressOf(request('130.176.1.1', '10.9.9.9, 198.51.100.1'), cloudfront)).toBe('198.51.100.1');
    expect(clientAddressOf(request('130.176.1.1', '198.51.100.1, 130.176.2.2'), cloudfront)).toBe('198.51.100.1');
    expect(clientAddressOf(request('2600:9000::1', '2001:db8::5'), cloudfront)).toBe('2001:db8::5');
    // An untrusted peer's header is ignored entirely.
    expect(clientAddressOf(request('203.0.113.7', '198.51.100.1'), cloudfront)).toBe('203.0.113.7');
  });

  it('stays with the last address it can vouch for when a trusted hop names no valid client', () => {
    expect(clientAddressOf(request('130.176.1.1', 'garbage'), cloudfront)).toBe('130.176.1.1');
    expect(clientAddressOf(request('130.176.1.1'), cloudfront)).toBe('130.176.1.1');
    expect(clientAddressOf(request(undefined, '198.51.100.1'), cloudfront)).toBeUndefined();
  });

  it('refuses entries that are not addresses or CIDR ranges', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/8/1', 'proxy.example.com', '2001:db8::/129', '10.0.0.0/x']) {
      expect(() => compileTrustedProxies([bad])).toThrow(/trustedProxies/);
    }
  });
});
