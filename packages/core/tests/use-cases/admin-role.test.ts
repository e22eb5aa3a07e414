import {
  ADMIN_ROLE,
  AdminRequiredError,
  ConfigurationError,
  createDevauth,
  DEFAULT_ROLES,
  InvitationRoleAssignmentPolicy,
  type Role,
} from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker, InMemoryInvitationStore } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

describe('The admin role', () => {
  it('is one of the default roles', () => {
    expect(ADMIN_ROLE).toBe('admin');
    expect(DEFAULT_ROLES).toContain(ADMIN_ROLE);
    expect(makeDevauth().devauth.config).toMatchObject({
      roles: ['shopper', 'seller', 'admin'],
      defaultRole: 'shopper',
    });
  });

  it('is never had by self-registration: asked for without an invitation, or with an invitation for another role', async () => {
    const { devauth, users } = makeDevauth();
    await expect(
      devauth.register.execute({ username: 'mallory', password: STRONG_PASSWORD, role: 'admin' }),
    ).rejects.toMatchObject({ code: 'ROLE_NOT_ALLOWED', role: 'admin', reason: 'invitation_required' });
    const seller = await devauth.createInvitation.execute({ role: 'seller' });
    await expect(
      devauth.register.execute({
        username: 'mallory',
        password: STRONG_PASSWORD,
        role: 'admin',
        invitationCode: seller.code,
      }),
    ).rejects.toMatchObject({ code: 'ROLE_NOT_ALLOWED', role: 'admin', reason: 'invitation_invalid' });
    expect(await users.findByUsername('mallory')).toBeNull();
    // The seller invitation was not spent by the refused attempt.
    await expect(
      devauth.register.execute({
        username: 'sally',
        password: STRONG_PASSWORD,
        role: 'seller',
        invitationCode: seller.code,
      }),
    ).resolves.toMatchObject({ role: 'seller' });
  });

  it('cannot be made the default role, so a registration naming no role never gets it', () => {
    const dependencies = { ...createInMemoryStores(), broker: new FakeIdentityBroker() };
    for (const config of [
      { defaultRole: 'admin' },
      { roles: ['admin', 'member'] },
      { roles: ['member', 'admin'], defaultRole: 'admin' },
    ]) {
      expect(() => createDevauth(dependencies, config)).toThrow(ConfigurationError);
    }
  });

  it('is never a self-service role of the invitation policy, whatever the list says', async () => {
    const invitations = new InMemoryInvitationStore();
    const roles = ['shopper', 'seller', 'admin'];
    expect(
      () => new InvitationRoleAssignmentPolicy({ invitations, roles, selfServiceRoles: ['shopper', 'admin'] }),
    ).toThrow(ConfigurationError);
    // A list changed after the policy was built opens nothing.
    const selfServiceRoles: Role[] = ['shopper'];
    const policy = new InvitationRoleAssignmentPolicy({ invitations, roles, selfServiceRoles });
    selfServiceRoles.push('admin', 'seller');
    const now = new Date('2026-03-01T10:00:00.000Z');
    await expect(policy.authorize({ requestedRole: 'admin', now })).rejects.toMatchObject({
      reason: 'invitation_required',
    });
    await expect(policy.authorize({ requestedRole: 'seller', now })).rejects.toMatchObject({
      reason: 'invitation_required',
    });
    await expect(policy.authorize({ requestedRole: 'shopper', now })).resolves.toMatchObject({ via: 'self' });
  });

  it('is granted with an admin invitation (which only an administrator or the operator creates), once', async () => {
    const { devauth } = makeDevauth();
    const invitation = await devauth.admin.createInvitation({ kind: 'operator', name: 'ops' }, { role: 'admin' });
    const made = await devauth.register.execute({
      username: 'ada',
      password: STRONG_PASSWORD,
      role: 'admin',
      invitationCode: invitation.code,
    });
    expect(made.role).toBe('admin');
    await expect(
      devauth.register.execute({
        username: 'eve',
        password: STRONG_PASSWORD,
        role: 'admin',
        invitationCode: invitation.code,
      }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid' });
    // An admin invitation does not make a seller either.
    const another = await devauth.admin.createInvitation({ kind: 'user', userId: made.id }, { role: 'admin' });
    await expect(
      devauth.register.execute({
        username: 'eve',
        password: STRONG_PASSWORD,
        role: 'seller',
        invitationCode: another.code,
      }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid' });
    // Nobody else gets one: a seller asking for an admin invitation is refused like any non-administrator.
    const seller = await devauth.admin.createInvitation({ kind: 'user', userId: made.id }, { role: 'seller' });
    const vendor = await devauth.register.execute({
      username: 'vendor',
      password: STRONG_PASSWORD,
      role: 'seller',
      invitationCode: seller.code,
    });
    await expect(
      devauth.admin.createInvitation({ kind: 'user', userId: vendor.id }, { role: 'admin' }),
    ).rejects.toBeInstanceOf(AdminRequiredError);
  });
});
