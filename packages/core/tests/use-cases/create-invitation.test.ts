import { digestSecretToken, RoleNotAllowedError, ValidationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

const DAY = 86_400;

describe('Use case: CreateInvitation', () => {
  it('issues an inv_ code stored only as its digest, expiring after the configured TTL (default 7 days)', async () => {
    const { devauth, invitations, clock, events } = makeDevauth();
    const invitation = await devauth.createInvitation.execute({ role: 'seller' });
    expect(invitation.code).toMatch(/^inv_[A-Za-z0-9_-]{43}$/);
    expect(invitation.role).toBe('seller');
    expect(invitation.expiresAt).toEqual(new Date(clock.now().getTime() + 7 * DAY * 1000));
    expect(events.ofType('InvitationCreated')).toEqual([
      { type: 'InvitationCreated', at: clock.now(), role: 'seller', expiresAt: invitation.expiresAt },
    ]);
    // Stored by digest: the store can consume it by the digest of the code, and the code is not in the event.
    expect(JSON.stringify(events.events)).not.toContain(invitation.code);
    expect(await invitations.consume(digestSecretToken(invitation.code), 'seller', clock.now())).toBe(true);
  });

  it('uses the configured invitation TTL, and a per-invitation TTL over it', async () => {
    const { devauth, clock } = makeDevauth({ invitationTtlSeconds: 3600 });
    expect((await devauth.createInvitation.execute({ role: 'seller' })).expiresAt).toEqual(
      new Date(clock.now().getTime() + 3600_000),
    );
    expect((await devauth.createInvitation.execute({ role: 'seller', ttlSeconds: 120 })).expiresAt).toEqual(
      new Date(clock.now().getTime() + 120_000),
    );
  });

  it('accepts TTLs from 60 s to 90 days inclusive, and refuses anything else', async () => {
    const { devauth } = makeDevauth();
    for (const ttlSeconds of [60, 90 * DAY]) {
      await expect(devauth.createInvitation.execute({ role: 'seller', ttlSeconds })).resolves.toBeDefined();
    }
    for (const ttlSeconds of [59, 90 * DAY + 1, 60.5, 0, -60, Number.NaN]) {
      const attempt = devauth.createInvitation.execute({ role: 'seller', ttlSeconds });
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ issues: [{ path: ['ttlSeconds'], code: 'out_of_range' }] });
    }
  });

  it('refuses the guest role and roles that are not configured, with the reason', async () => {
    const { devauth, events } = makeDevauth();
    await expect(devauth.createInvitation.execute({ role: 'guest' })).rejects.toMatchObject({
      code: 'ROLE_NOT_ALLOWED',
      role: 'guest',
      reason: 'reserved_role',
    });
    await expect(devauth.createInvitation.execute({ role: 'superuser' })).rejects.toMatchObject({
      code: 'ROLE_NOT_ALLOWED',
      role: 'superuser',
      reason: 'unknown_role',
    });
    expect(events.ofType('InvitationCreated')).toHaveLength(0);
  });

  it('grants exactly the invited role, until the code expires at expiresAt', async () => {
    const { devauth, clock } = makeDevauth({ roles: ['shopper', 'seller', 'support'] });
    const invitation = await devauth.createInvitation.execute({ role: 'support', ttlSeconds: 600 });
    const register = (username: string, role: string) =>
      devauth.register.execute({ username, password: STRONG_PASSWORD, role, invitationCode: invitation.code });
    // An invitation for `support` does not make a seller.
    await expect(register('sid', 'seller')).rejects.toMatchObject({ reason: 'invitation_invalid' });
    clock.advance(600);
    // Expired at exactly expiresAt.
    await expect(register('sid', 'support')).rejects.toBeInstanceOf(RoleNotAllowedError);
  });
});
