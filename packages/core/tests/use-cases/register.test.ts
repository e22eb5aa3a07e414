import {
  EmailTakenError,
  RoleNotAllowedError,
  UpstreamUnavailableError,
  UsernameTakenError,
  type UserRecord,
  ValidationError,
} from '@devauth/core';
import { InMemoryUserStore, tally } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

describe('Use case: RegisterUser', () => {
  it('stores a canonical shopper with a PHC hash and returns a view without the hash', async () => {
    const { devauth, users, events } = makeDevauth();
    const user = await devauth.register.execute({
      username: 'Alice',
      password: STRONG_PASSWORD,
      email: ' Alice@Example.com',
    });
    expect(user).toMatchObject({ username: 'alice', email: 'alice@example.com', role: 'shopper', status: 'active' });
    expect(user).not.toHaveProperty('passwordHash');
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const stored = await users.findByUsername('alice');
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$/);
    expect(stored?.passwordNormalization).toBe('NFKC');
    expect(stored?.version).toBe(1);
    expect(events.ofType('UserRegistered')).toEqual([
      { type: 'UserRegistered', at: stored?.createdAt, userId: user.id, role: 'shopper' },
    ]);
  });

  it('refuses a taken username and a taken email, case-insensitively', async () => {
    const { devauth } = makeDevauth();
    await devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD, email: 'a@example.com' });
    await expect(devauth.register.execute({ username: 'ALICE', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      UsernameTakenError,
    );
    await expect(
      devauth.register.execute({ username: 'bob', password: STRONG_PASSWORD, email: 'A@EXAMPLE.COM' }),
    ).rejects.toBeInstanceOf(EmailTakenError);
  });

  it('refuses seller without an invitation, and never downgrades it to shopper', async () => {
    const { devauth, users } = makeDevauth();
    const attempt = devauth.register.execute({ username: 'mallory', password: STRONG_PASSWORD, role: 'seller' });
    await expect(attempt).rejects.toMatchObject({ code: 'ROLE_NOT_ALLOWED', reason: 'invitation_required' });
    expect(await users.findByUsername('mallory')).toBeNull();
  });

  it('refuses unknown roles and the guest role', async () => {
    const { devauth } = makeDevauth();
    for (const [role, reason] of [
      ['superuser', 'unknown_role'],
      ['admin', 'invitation_required'],
      ['guest', 'reserved_role'],
      ['Seller', 'unknown_role'],
    ]) {
      await expect(
        devauth.register.execute({ username: 'eve', password: STRONG_PASSWORD, role }),
      ).rejects.toMatchObject({
        code: 'ROLE_NOT_ALLOWED',
        reason,
      });
    }
  });

  it('makes a seller with a valid invitation, which then cannot be used again', async () => {
    const { devauth, clock } = makeDevauth();
    const invitation = await devauth.createInvitation.execute({ role: 'seller' });
    clock.advance(60);
    const seller = await devauth.register.execute({
      username: 'sally',
      password: STRONG_PASSWORD,
      role: 'seller',
      invitationCode: invitation.code,
    });
    expect(seller.role).toBe('seller');
    await expect(
      devauth.register.execute({
        username: 'sam',
        password: STRONG_PASSWORD,
        role: 'seller',
        invitationCode: invitation.code,
      }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid' });
  });

  it('refuses an expired invitation, one for another role, and a malformed code', async () => {
    const { devauth, clock } = makeDevauth();
    const invitation = await devauth.createInvitation.execute({ role: 'seller', ttlSeconds: 3600 });
    await expect(
      devauth.register.execute({ username: 'sue', password: STRONG_PASSWORD, invitationCode: invitation.code }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid', role: 'shopper' });
    await expect(
      devauth.register.execute({ username: 'sue', password: STRONG_PASSWORD, role: 'seller', invitationCode: 'x' }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid' });
    clock.advance(3601);
    await expect(
      devauth.register.execute({
        username: 'sue',
        password: STRONG_PASSWORD,
        role: 'seller',
        invitationCode: invitation.code,
      }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid' });
  });

  it('gives the invitation back when the registration fails after consuming it', async () => {
    const { devauth } = makeDevauth();
    await devauth.register.execute({ username: 'taken', password: STRONG_PASSWORD });
    const invitation = await devauth.createInvitation.execute({ role: 'seller' });
    const request = { password: STRONG_PASSWORD, role: 'seller', invitationCode: invitation.code };
    await expect(devauth.register.execute({ ...request, username: 'taken' })).rejects.toBeInstanceOf(
      UsernameTakenError,
    );
    expect((await devauth.register.execute({ ...request, username: 'fresh' })).role).toBe('seller');
  });

  it('keeps the invitation spent after an ambiguous store failure, and gives it back after a certain one', async () => {
    for (const notApplied of [false, true]) {
      class FailingStore extends InMemoryUserStore {
        failures = 1;
        override async create(user: UserRecord): Promise<void> {
          if (this.failures-- > 0) throw new UpstreamUnavailableError('store', 1, { notApplied });
          return super.create(user);
        }
      }
      const { devauth } = makeDevauth({}, { users: new FailingStore() });
      const invitation = await devauth.createInvitation.execute({ role: 'seller' });
      const request = { password: STRONG_PASSWORD, role: 'seller', invitationCode: invitation.code };
      await expect(devauth.register.execute({ ...request, username: 'vendor' })).rejects.toBeInstanceOf(
        UpstreamUnavailableError,
      );
      const retry = devauth.register.execute({ ...request, username: 'vendor' });
      if (notApplied) await expect(retry).resolves.toMatchObject({ role: 'seller' });
      else await expect(retry).rejects.toMatchObject({ reason: 'invitation_invalid' });
    }
  });

  it('lets an administrator assign any configured role, from server code only', async () => {
    const { devauth } = makeDevauth();
    const seller = await devauth.register.execute(
      { username: 'vendor', password: STRONG_PASSWORD, role: 'seller' },
      { actor: { isAdministrator: true } },
    );
    expect(seller.role).toBe('seller');
  });

  it('refuses smuggled fields instead of ignoring them', async () => {
    const { devauth } = makeDevauth();
    const attempt = devauth.register.execute({ username: 'eve', password: STRONG_PASSWORD, isAdministrator: true });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ issues: [{ code: 'unrecognized_keys' }] });
  });

  it('validates every bad input before hashing anything', async () => {
    const { devauth, hasher } = makeDevauth();
    const bad: unknown[] = [
      undefined,
      null,
      'alice',
      [],
      {},
      { username: 'alice' },
      { username: 42, password: STRONG_PASSWORD },
      { username: 'al', password: STRONG_PASSWORD },
      { username: 'ᴮᴵᴳᴮᴵᴿᴰ', password: STRONG_PASSWORD },
      { username: 'p\u0430ypal', password: STRONG_PASSWORD },
      { username: 'alice', password: 'short' },
      { username: 'alice', password: 'x'.repeat(1_000_000) },
      { username: 'a'.repeat(1_000_000), password: STRONG_PASSWORD },
      { username: 'alice', password: STRONG_PASSWORD, email: 'not an email' },
      { username: 'alice', password: 'password1234' },
      { username: 'alicealicealice', password: 'AliceAliceAlice' },
    ];
    for (const input of bad) {
      await expect(devauth.register.execute(input)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(hasher.hashes).toBe(0);
  });

  it('lets exactly one of 100 parallel registrations of one username succeed', async () => {
    const { devauth, users } = makeDevauth();
    const outcome = await tally(
      Array.from({ length: 100 }, (_, i) =>
        devauth.register.execute({ username: 'Popular', password: STRONG_PASSWORD, email: `p${i}@example.com` }),
      ),
    );
    expect(outcome).toEqual({ ok: 1, UsernameTakenError: 99 });
    expect(users.size).toBe(1);
  });

  it('never puts the password or invitation code into an event or error', async () => {
    const { devauth, events } = makeDevauth();
    const invitation = await devauth.createInvitation.execute({ role: 'seller' });
    await devauth.register.execute({
      username: 'sally',
      password: STRONG_PASSWORD,
      role: 'seller',
      invitationCode: invitation.code,
    });
    const errors: unknown[] = [];
    await devauth.register
      .execute({ username: 'sally', password: STRONG_PASSWORD, role: 'seller', invitationCode: invitation.code })
      .catch((error: unknown) => errors.push(error));
    const text = JSON.stringify([events.events, errors.map((error) => String(error))]);
    expect(errors[0]).toBeInstanceOf(RoleNotAllowedError);
    expect(text).not.toContain(STRONG_PASSWORD);
    expect(text).not.toContain(invitation.code);
  });
});
