import {
  AccountDisabledError,
  AccountTokenInvalidError,
  InvalidCredentialsError,
  RefreshTokenInvalidError,
  ThrottledError,
  UpstreamUnavailableError,
  ValidationError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

const NEW_PASSWORD = 'a different long passphrase 7';
const noWait = { passwordResetResponseFloorMs: 0 };

async function signedIn(config = {}, email: string | undefined = 'alice@example.com') {
  const context = makeDevauth({ ...noWait, ...config });
  const user = await context.devauth.register.execute({
    username: 'alice',
    password: STRONG_PASSWORD,
    ...(email ? { email } : {}),
  });
  // Resets go to verified addresses only: follow the registration's verification link first.
  if (email)
    await context.devauth.verifyEmail.execute({ token: context.outbox.latest('email-verification')!.message.token });
  const first = await context.devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
  const second = await context.devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
  return { ...context, user, first, second };
}

describe('Change password', () => {
  it('needs the current password, revokes every session and hands the caller a new one', async () => {
    const { devauth, user, first, second, outbox, events, users, hasher } = await signedIn();
    const result = await devauth.changePassword.execute(
      { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD },
      { userId: user.id },
    );
    expect(result.revokedSessions).toBe(2);
    for (const session of [first, second]) {
      await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
        RefreshTokenInvalidError,
      );
    }
    // The caller continues on the new session, on the same identity.
    expect(result.session?.identityId).toBe(first.identityId);
    await expect(devauth.refresh.execute({ refreshToken: result.session!.refreshToken })).resolves.toBeDefined();
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(devauth.login.execute({ username: 'alice', password: NEW_PASSWORD })).resolves.toBeDefined();
    const stored = await users.findById(user.id);
    expect(hasher.needsRehash(stored!.passwordHash)).toBe(false);
    expect(stored?.passwordNormalization).toBe('NFKC');
    expect(outbox.latest('password-changed', 'alice@example.com')?.rendered.subject).toContain('password was changed');
    expect(events.ofType('PasswordChanged')).toEqual([
      expect.objectContaining({ userId: user.id, revokedSessions: 2 }),
    ]);
  });

  it('refuses a wrong current password (counted like a login failure), the same password and a weak one', async () => {
    const { devauth, user } = await signedIn({ throttle: { freeFailures: 2 } });
    const change = (currentPassword: string, newPassword: string) =>
      devauth.changePassword.execute({ currentPassword, newPassword }, { userId: user.id });
    await expect(change('wrong password 123', NEW_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    const same = await change(STRONG_PASSWORD, STRONG_PASSWORD).catch((error: unknown) => error);
    expect(same).toBeInstanceOf(ValidationError);
    expect((same as ValidationError).issues).toEqual([
      expect.objectContaining({ path: ['newPassword'], code: 'same_as_current' }),
    ]);
    const weak = await change(STRONG_PASSWORD, 'short').catch((error: unknown) => error);
    expect((weak as ValidationError).issues[0]?.path).toEqual(['newPassword']);
    await expect(change('wrong password 123', NEW_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(change('wrong password 123', NEW_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    // Guessing the current password is throttled on the login's own key.
    await expect(change(STRONG_PASSWORD, NEW_PASSWORD)).rejects.toBeInstanceOf(ThrottledError);
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      ThrottledError,
    );
  });

  it('refuses a disabled user', async () => {
    const { devauth, user } = await signedIn();
    await devauth.userAccess.setStatus(user.id, 'disabled');
    await expect(
      devauth.changePassword.execute(
        { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD },
        { userId: user.id },
      ),
    ).rejects.toBeInstanceOf(AccountDisabledError);
  });
});

describe('Forgotten password', () => {
  it('sends a single-use token that sets a new password and revokes every session and the Cognito link', async () => {
    const { devauth, user, first, outbox, broker, events } = await signedIn();
    await devauth.requestPasswordReset.execute({ username: 'Alice' });
    const sent = outbox.latest('password-reset', 'alice@example.com');
    expect(sent?.message.token).toMatch(/^pwr_[A-Za-z0-9_-]{43}$/);
    expect(sent?.rendered.text).toContain(sent!.message.token);
    expect(sent!.message.expiresAt.getTime() - sent!.message.issuedAt.getTime()).toBe(30 * 60 * 1000);

    await devauth.completePasswordReset.execute({ token: sent!.message.token, newPassword: NEW_PASSWORD });
    await expect(devauth.refresh.execute({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    expect(broker.unlinks).toEqual([{ developerUserId: user.id, identityId: first.identityId }]);
    await expect(devauth.login.execute({ username: 'alice', password: NEW_PASSWORD })).resolves.toBeDefined();
    // Single use.
    await expect(
      devauth.completePasswordReset.execute({ token: sent!.message.token, newPassword: 'yet another passphrase 9' }),
    ).rejects.toBeInstanceOf(AccountTokenInvalidError);
    expect(outbox.latest('password-changed')).toBeDefined();
    expect(events.ofType('PasswordReset')).toEqual([expect.objectContaining({ userId: user.id })]);
  });

  it('answers the same for an unknown account, one without email and a disabled one, and sends nothing', async () => {
    const { devauth, outbox, events, user } = await signedIn({}, '');
    await devauth.userAccess.setStatus(user.id, 'disabled');
    for (const username of ['nobody', 'alice']) {
      await expect(devauth.requestPasswordReset.execute({ username })).resolves.toBeUndefined();
    }
    expect(outbox.sent.filter((entry) => entry.message.kind === 'password-reset')).toEqual([]);
    expect(events.ofType('PasswordResetRequested').map((event) => event.userId)).toEqual([null, null]);
  });

  it('invalidates the previous token when a new one is requested, and refuses expired and malformed tokens', async () => {
    const { devauth, outbox, clock } = await signedIn();
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    const first = outbox.latest('password-reset')!.message.token;
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    const second = outbox.latest('password-reset')!.message.token;
    expect(second).not.toBe(first);
    await expect(
      devauth.completePasswordReset.execute({ token: first, newPassword: NEW_PASSWORD }),
    ).rejects.toBeInstanceOf(AccountTokenInvalidError);
    await expect(
      devauth.completePasswordReset.execute({ token: 'not-a-token', newPassword: NEW_PASSWORD }),
    ).rejects.toBeInstanceOf(AccountTokenInvalidError);
    clock.advance(30 * 60 * 1000);
    await expect(
      devauth.completePasswordReset.execute({ token: second, newPassword: NEW_PASSWORD }),
    ).rejects.toBeInstanceOf(AccountTokenInvalidError);
  });

  it('gives the token back when the new password is refused, so the same link works for a better one', async () => {
    const { devauth, outbox } = await signedIn();
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    const token = outbox.latest('password-reset')!.message.token;
    const refused = await devauth.completePasswordReset
      .execute({ token, newPassword: 'alice' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues[0]?.path).toEqual(['newPassword']);
    await expect(devauth.completePasswordReset.execute({ token, newPassword: NEW_PASSWORD })).resolves.toBeUndefined();
  });

  it('leaves no usable token behind when sending fails, and still answers the same', async () => {
    const { devauth, outbox, events, accountTokens } = await signedIn();
    outbox.failNext(new UpstreamUnavailableError('ses', 2));
    await expect(devauth.requestPasswordReset.execute({ username: 'alice' })).resolves.toBeUndefined();
    expect(accountTokens.size).toBe(0);
    expect(events.ofType('PasswordResetRequested')).toEqual([expect.objectContaining({ delivered: false })]);
    // The user can simply ask again.
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    expect(outbox.latest('password-reset')).toBeDefined();
  });

  it('is throttled per account and per address, before any lookup, alike for unknown accounts', async () => {
    const { devauth } = await signedIn({ passwordResetRateLimit: { freeFailures: 2 } });
    for (const username of ['alice', 'nobody']) {
      await devauth.requestPasswordReset.execute({ username });
      await devauth.requestPasswordReset.execute({ username });
      await expect(devauth.requestPasswordReset.execute({ username })).rejects.toBeInstanceOf(ThrottledError);
    }
    const context = { sourceAddress: '203.0.113.7' };
    await devauth.requestPasswordReset.execute({ username: 'carol1' }, context);
    await devauth.requestPasswordReset.execute({ username: 'carol2' }, context);
    await expect(devauth.requestPasswordReset.execute({ username: 'carol3' }, context)).rejects.toBeInstanceOf(
      ThrottledError,
    );
  });

  it('waits out the response floor for known and unknown accounts alike', async () => {
    const waits: number[] = [];
    let now = 0;
    const context = makeDevauth({ passwordResetResponseFloorMs: 800 });
    const { RequestPasswordReset } = await import('@devauth/core');
    await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD, email: 'a@example.com' });
    const request = new RequestPasswordReset(
      {
        users: context.users,
        accountTokens: context.accountTokens,
        loginAttempts: context.loginAttempts,
        messages: context.outbox,
        clock: context.clock,
        events: context.events,
        elapsedClock: () => now,
        wait: async (ms) => {
          waits.push(ms);
        },
      },
      context.devauth.config,
    );
    await request.execute({ username: 'alice' });
    now = 0;
    await request.execute({ username: 'nobody' });
    expect(waits).toEqual([800, 800]);
    expect(context.outbox.sent).toHaveLength(1);
  });
});

describe('Delete my account', () => {
  it('needs the password, removes the user, every session, its tokens, its throttle state and the identity', async () => {
    const { devauth, user, first, broker, users, refreshTokens, accountTokens, loginAttempts, outbox, events } =
      await signedIn();
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    await expect(devauth.login.execute({ username: 'alice', password: 'wrong password 1' })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(
      devauth.deleteAccount.execute({ password: 'wrong password 2' }, { userId: user.id }),
    ).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(await devauth.deleteAccount.execute({ password: STRONG_PASSWORD }, { userId: user.id })).toEqual({
      deleted: true,
    });
    expect(await users.findById(user.id)).toBeNull();
    expect(await users.findByUsername('alice')).toBeNull();
    expect(await users.findByIdentityId(first.identityId)).toBeNull();
    expect(refreshTokens.size).toBe(0);
    expect(accountTokens.size).toBe(0);
    expect(await loginAttempts.get(['user:alice'])).toEqual([]);
    expect(broker.isRemoved(first.identityId)).toBe(true);
    expect(outbox.latest('account-deleted', 'alice@example.com')).toBeDefined();
    expect(events.ofType('AccountDeleted')).toEqual([expect.objectContaining({ userId: user.id })]);
    // Idempotent, and the username is free again.
    expect(await devauth.deleteAccount.execute({ password: STRONG_PASSWORD }, { userId: user.id })).toEqual({
      deleted: false,
    });
    await expect(devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD })).resolves.toBeDefined();
  });
});
