import { digestSecretToken, UpstreamUnavailableError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

async function withShoppers() {
  const context = makeDevauth();
  for (const username of ['alice', 'mallory']) {
    await context.devauth.register.execute({ username, password: STRONG_PASSWORD });
  }
  return context;
}

describe('Guest link secrets', () => {
  it('come with every guest identity: 256 bits, stored only as a digest bound to it, expiring after 30 days', async () => {
    const { devauth, guestLinks, clock } = makeDevauth();
    const guest = await devauth.guest.execute();
    expect(guest.guestLinkSecret).toMatch(/^gl_[A-Za-z0-9_-]{43}$/);
    expect(guest.guestLinkExpiresAt).toEqual(new Date(clock.now().getTime() + 30 * 86_400_000));
    expect(guestLinks.peek(digestSecretToken(guest.guestLinkSecret))).toEqual({
      secretHash: digestSecretToken(guest.guestLinkSecret),
      identityId: guest.identityId,
      createdAt: clock.now(),
      expiresAt: guest.guestLinkExpiresAt,
      usedAt: null,
    });
    expect((await devauth.guest.execute()).guestLinkSecret).not.toBe(guest.guestLinkSecret);
  });

  it('link nothing when missing, of another identity, expired or spent: the user signs in on its own identity', async () => {
    const { devauth, clock, users } = await withShoppers();
    const victim = await devauth.guest.execute();
    const other = await devauth.guest.execute();
    const attempts = [
      { guestIdentityId: victim.identityId },
      { guestIdentityId: victim.identityId, guestLinkSecret: other.guestLinkSecret },
      { guestIdentityId: victim.identityId, guestLinkSecret: 'gl_not-a-real-secret' },
    ];
    for (const attempt of attempts) {
      const session = await devauth.login.execute({ username: 'mallory', password: STRONG_PASSWORD, ...attempt });
      expect(session.identityId).not.toBe(victim.identityId);
    }
    const mallory = await users.findByUsername('mallory');
    expect(mallory?.identityId).not.toBe(victim.identityId);

    // Expired: one second past the default 30 days.
    const late = await devauth.guest.execute();
    clock.advance(30 * 86_400);
    const alice = await devauth.login.execute({
      username: 'alice',
      password: STRONG_PASSWORD,
      guestIdentityId: late.identityId,
      guestLinkSecret: late.guestLinkSecret,
    });
    expect(alice.identityId).not.toBe(late.identityId);
  });

  it('are spent by the login that links them, and a returning user never spends one', async () => {
    const { devauth } = await withShoppers();
    const guest = await devauth.guest.execute();
    const proof = { guestIdentityId: guest.identityId, guestLinkSecret: guest.guestLinkSecret };
    const alice = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD, ...proof });
    expect(alice.identityId).toBe(guest.identityId);
    const mallory = await devauth.login.execute({ username: 'mallory', password: STRONG_PASSWORD, ...proof });
    expect(mallory.identityId).not.toBe(guest.identityId);

    const second = await devauth.guest.execute();
    const again = await devauth.login.execute({
      username: 'alice',
      password: STRONG_PASSWORD,
      guestIdentityId: second.identityId,
      guestLinkSecret: second.guestLinkSecret,
    });
    expect(again.identityId).toBe(guest.identityId);
    // Still unspent: mallory, who has no identity yet... has one now, so use a fresh user.
    await devauth.register.execute({ username: 'carol', password: STRONG_PASSWORD });
    const carol = await devauth.login.execute({
      username: 'carol',
      password: STRONG_PASSWORD,
      guestIdentityId: second.identityId,
      guestLinkSecret: second.guestLinkSecret,
    });
    expect(carol.identityId).toBe(second.identityId);
  });

  it('are given back when the broker fails before linking, so the guest can retry', async () => {
    const { devauth, broker } = await withShoppers();
    const guest = await devauth.guest.execute();
    const proof = { guestIdentityId: guest.identityId, guestLinkSecret: guest.guestLinkSecret };
    broker.failNext(new UpstreamUnavailableError('Cognito', 2));
    await expect(
      devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD, ...proof }),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    const retry = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD, ...proof });
    expect(retry.identityId).toBe(guest.identityId);
  });
});
