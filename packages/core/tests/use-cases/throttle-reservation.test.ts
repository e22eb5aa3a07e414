import { InvalidCredentialsError, ThrottledError, throttleAddress } from '@devauth/core';
import { tally } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

describe('Throttling under concurrency', () => {
  it('verifies at most the free allowance of 50 concurrent wrong guesses; the rest are throttled', async () => {
    const { devauth, hasher } = makeDevauth();
    await devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
    await devauth.login.warmUp();
    hasher.verifies = 0;
    const outcome = await tally(
      Array.from({ length: 50 }, () => devauth.login.execute({ username: 'alice', password: 'wrong password!' })),
    );
    expect(outcome).toEqual({ InvalidCredentialsError: 5, ThrottledError: 45 });
    expect(hasher.verifies).toBe(5);
  });

  it('lets a correct password within the allowance log in, and a success frees the address reservation', async () => {
    const { devauth, loginAttempts } = makeDevauth();
    await devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
    const context = { sourceAddress: '203.0.113.9' };
    const outcome = await tally([
      ...Array.from({ length: 3 }, () =>
        devauth.login.execute({ username: 'alice', password: 'wrong password!' }, context),
      ),
      devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD }, context),
    ]);
    expect(outcome).toEqual({ InvalidCredentialsError: 3, ok: 1 });
    const states = await loginAttempts.get(['user:alice', 'addr:203.0.113.9']);
    expect(states.find((state) => state.key === 'user:alice')).toBeUndefined();
    expect(states.find((state) => state.key === 'addr:203.0.113.9')?.consecutiveFailures).toBe(3);
  });

  it('gives a reservation back when another key refuses, so a refused request counts against nothing', async () => {
    const { devauth, loginAttempts } = makeDevauth();
    const context = { sourceAddress: '198.51.100.7' };
    for (let i = 0; i < 5; i++) {
      await expect(
        devauth.login.execute({ username: `user${i}`, password: 'wrong password!' }, context),
      ).rejects.toBeInstanceOf(InvalidCredentialsError);
    }
    await expect(
      devauth.login.execute({ username: 'fresh', password: 'wrong password!' }, context),
    ).rejects.toBeInstanceOf(ThrottledError);
    expect(await loginAttempts.get(['user:fresh'])).toEqual([
      expect.objectContaining({ key: 'user:fresh', consecutiveFailures: 0 }),
    ]);
  });
});

describe('Per-address limits of registration and guest creation', () => {
  it('throttle registrations from one address past the allowance, before any hashing', async () => {
    const { devauth, hasher } = makeDevauth({ registrationRateLimit: { freeFailures: 3 } });
    const context = { sourceAddress: '192.0.2.44' };
    for (let i = 0; i < 3; i++) {
      await devauth.register.execute({ username: `bot${i}`, password: STRONG_PASSWORD }, context);
    }
    hasher.hashes = 0;
    const refused = devauth.register.execute({ username: 'bot3', password: STRONG_PASSWORD }, context);
    await expect(refused).rejects.toBeInstanceOf(ThrottledError);
    expect(hasher.hashes).toBe(0);
    await expect(
      devauth.register.execute({ username: 'human', password: STRONG_PASSWORD }, { sourceAddress: '192.0.2.45' }),
    ).resolves.toBeDefined();
  });

  it('throttle guest identities from one address, and group IPv6 addresses by /64', async () => {
    const { devauth, broker } = makeDevauth({ guestRateLimit: { freeFailures: 2 } });
    await devauth.guest.execute({ sourceAddress: '2001:db8:1:2::1' });
    await devauth.guest.execute({ sourceAddress: '2001:db8:1:2:ffff:ffff:ffff:fffe' });
    const third = await tally([devauth.guest.execute({ sourceAddress: '2001:0db8:0001:0002:0:0:0:99' })]);
    expect(third).toEqual({ ThrottledError: 1 });
    await expect(devauth.guest.execute({ sourceAddress: '2001:db8:1:3::1' })).resolves.toBeDefined();
    expect(broker.calls).toHaveLength(0);
  });
});

describe('throttleAddress', () => {
  it('keeps IPv4, groups IPv6 by /64, unmaps IPv4-mapped IPv6, and bounds anything else', () => {
    expect(throttleAddress('203.0.113.5')).toBe('203.0.113.5');
    expect(throttleAddress('2001:DB8:0:1:2:3:4:5')).toBe('2001:db8:0:1::/64');
    expect(throttleAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('::1')).toBe('0:0:0:0::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(throttleAddress('::ffff:c000:201')).toBe('192.0.2.1');
    expect(throttleAddress('x'.repeat(500))).toHaveLength(64);
  });
});
