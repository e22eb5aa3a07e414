import { describe, expect, it } from 'vitest';
import { clientHintOf } from '../src/client-hint.js';

describe('clientHintOf', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      'Chrome on macOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    ['okhttp/4.12.0', 'okhttp'],
    ['aws-sdk-js/3.600.0 ua/2.0 os/linux#6.1', 'aws-sdk-js'],
  ])('names the family of %s', (userAgent, family) => {
    expect(clientHintOf(userAgent, undefined).userAgent).toBe(family);
  });

  it('keeps only the network of an address: /24 for IPv4, /48 for IPv6', () => {
    expect(clientHintOf(undefined, '203.0.113.77').addressPrefix).toBe('203.0.113.0/24');
    expect(clientHintOf(undefined, '2001:db8:abcd:12::1').addressPrefix).toBe('2001:db8:abcd::/48');
    expect(clientHintOf(undefined, '2001:db8::1').addressPrefix).toBe('2001:db8::/48');
    expect(clientHintOf(undefined, '::1').addressPrefix).toBe('::/48');
  });

  it('gives null for what it cannot read, and is bounded on huge or hostile input', () => {
    expect(clientHintOf(undefined, undefined)).toEqual({ userAgent: null, addressPrefix: null });
    expect(clientHintOf('', 'not an address')).toEqual({ userAgent: null, addressPrefix: null });
    expect(clientHintOf('<script>alert(1)</script>', undefined).userAgent).toBeNull();
    const huge = clientHintOf(`${'A'.repeat(100_000)} Firefox/1`, undefined).userAgent;
    expect(huge?.length ?? 0).toBeLessThanOrEqual(64);
  });
});
