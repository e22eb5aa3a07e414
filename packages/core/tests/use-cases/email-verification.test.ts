import {
  AccountTokenInvalidError,
  ConfigurationError,
  createDevauth,
  EmailNotVerifiedError,
  EmailTakenError,
  InvalidCredentialsError,
  ThrottledError,
  UpstreamUnavailableError,
  ValidationError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

const noWait = { passwordResetResponseFloorMs: 0 };

async function registered(config = {}, email = 'Alice@Example.com') {
  const context = makeDevauth({ ...noWait, ...config });
  const user = await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD, email });
  const verificationToken = () => context.outbox.latest('email-verification')!.message.token;
  return { ...context, user, verificationToken };
}

describe('Email verification at registration', () => {
  it('sends a single-use 24 h token to the new address; following it marks the address verified', async () => {
    const { devauth, user, outbox, users, events, verificationToken } = await registered();
    expect(user.emailVerified).toBe(false);
    const sent = outbox.latest('email-verification', 'alice@example.com');
    expect(sent?.message.token).toMatch(/^emv_[A-Za-z0-9_-]{43}$/);
    expect(sent!.message.expiresAt.getTime() - sent!.message.issuedAt.getTime()).toBe(24 * 3600 * 1000);
    expect(sent?.rendered.text).toContain(sent!.message.token);

    const verified = await devauth.verifyEmail.execute({ token: verificationToken() });
    expect(verified).toMatchObject({ id: user.id, email: 'alice@example.com', emailVerified: true });
    expect((await users.findById(user.id))?.emailVerified).toBe(true);
    await expect(devauth.verifyEmail.execute({ token: verificationToken() })).rejects.toBeInstanceOf(
      AccountTokenInvalidError,
    );
    expect(events.ofType('EmailVerificationRequested')).toEqual([
      expect.objectContaining({ userId: user.id, reason: 'registered', delivered: true }),
    ]);
    expect(events.ofType('EmailVerified')).toEqual([expect.objectContaining({ userId: user.id, changed: false })]);
  });

  it('refuses an expired, a malformed and a reset token with one answer', async () => {
    const { devauth, clock, verificationToken } = await registered();
    const token = verificationToken();
    for (const bad of ['emv_short', 'not-a-token', `pwr_${token.slice(4)}`]) {
      await expect(devauth.verifyEmail.execute({ token: bad })).rejects.toBeInstanceOf(AccountTokenInvalidError);
    }
    clock.advance(24 * 3600 * 1000);
    await expect(devauth.verifyEmail.execute({ token })).rejects.toBeInstanceOf(AccountTokenInvalidError);
  });

  it('sends nothing without an email, and a failed send neither fails the registration nor leaves a token', async () => {
    const context = makeDevauth(noWait);
    await context.devauth.register.execute({ username: 'noemail', password: STRONG_PASSWORD });
    expect(context.outbox.sent).toEqual([]);

    context.outbox.failNext(new UpstreamUnavailableError('mail', 5));
    const user = await context.devauth.register.execute({
      username: 'bob',
      password: STRONG_PASSWORD,
      email: 'bob@example.com',
    });
    expect(user.username).toBe('bob');
    expect(context.accountTokens.size).toBe(0);
    expect(context.events.ofType('EmailVerificationRequested')).toEqual([
      expect.objectContaining({ userId: user.id, delivered: false }),
    ]);
    // The user can ask again once signed in.
    await expect(context.devauth.resendEmailVerification.execute({ userId: user.id })).resolves.toEqual({
      sentTo: 'bob@example.com',
    });
  });
});

describe('Resending the verification', () => {
  it('replaces the earlier link, says when the address is already verified, and is rate-limited per account', async () => {
    const { devauth, user, verificationToken } = await registered();
    const first = verificationToken();
    await devauth.resendEmailVerification.execute({ userId: user.id });
    await expect(devauth.verifyEmail.execute({ token: first })).rejects.toBeInstanceOf(AccountTokenInvalidError);
    await devauth.resendEmailVerification.execute({ userId: user.id });
    await devauth.resendEmailVerification.execute({ userId: user.id });
    // Three in a burst (the reset request's limits), then the account waits.
    await expect(devauth.resendEmailVerification.execute({ userId: user.id })).rejects.toBeInstanceOf(ThrottledError);
    await devauth.verifyEmail.execute({ token: verificationToken() });
    await expect(devauth.resendEmailVerification.execute({ userId: user.id })).resolves.toEqual({
      alreadyVerified: true,
    });
  });
});

describe('Changing the email address', () => {
  it('verifies the new address before it replaces the old one, then tells the old address', async () => {
    const { devauth, user, outbox, users, events, verificationToken } = await registered();
    await devauth.verifyEmail.execute({ token: verificationToken() });
    await expect(
      devauth.changeEmail.execute({ password: STRONG_PASSWORD, newEmail: 'New@Example.com' }, { userId: user.id }),
    ).resolves.toEqual({ sentTo: 'new@example.com' });
    const sent = outbox.latest('email-verification', 'new@example.com');
    expect(sent).toBeDefined();
    // Until the link is followed the old, verified address stays and still receives resets.
    expect(await users.findById(user.id)).toMatchObject({ email: 'alice@example.com', emailVerified: true });
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    const reset = outbox.latest('password-reset', 'alice@example.com')!.message.token;

    const changed = await devauth.verifyEmail.execute({ token: sent!.message.token });
    expect(changed).toMatchObject({ email: 'new@example.com', emailVerified: true });
    expect(outbox.latest('email-changed', 'alice@example.com')?.rendered.subject).toContain(
      'email address was changed',
    );
    // The reset link mailed to the old address died with it.
    await expect(
      devauth.completePasswordReset.execute({ token: reset, newPassword: 'another long passphrase 3' }),
    ).rejects.toBeInstanceOf(AccountTokenInvalidError);
    expect(events.ofType('EmailVerified').at(-1)).toMatchObject({ userId: user.id, changed: true });
    // The old address is free, the new one is not.
    expect(await users.findByEmail('alice@example.com')).toBeNull();
    await devauth.register.execute({ username: 'carol', password: STRONG_PASSWORD, email: 'alice@example.com' });
    await expect(
      devauth.register.execute({ username: 'dave', password: STRONG_PASSWORD, email: 'new@example.com' }),
    ).rejects.toBeInstanceOf(EmailTakenError);
  });

  it('needs the right password, a valid new address no other account holds, and not the verified one', async () => {
    const { devauth, user, outbox, verificationToken } = await registered();
    await devauth.register.execute({ username: 'bob', password: STRONG_PASSWORD, email: 'bob@example.com' });
    await devauth.verifyEmail.execute({
      token: outbox.latest('email-verification', 'alice@example.com')!.message.token,
    });
    const change = (password: string, newEmail: string) =>
      devauth.changeEmail.execute({ password, newEmail }, { userId: user.id });
    outbox.clear();
    await expect(change('wrong password entirely', 'new@example.com')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(change(STRONG_PASSWORD, 'not an address')).rejects.toBeInstanceOf(ValidationError);
    await expect(change(STRONG_PASSWORD, 'BOB@example.com')).rejects.toBeInstanceOf(EmailTakenError);
    await expect(change(STRONG_PASSWORD, 'alice@example.com')).rejects.toBeInstanceOf(ValidationError);
    expect(outbox.sent).toEqual([]);
    expect(verificationToken).toBeDefined();
  });

  it('answers EMAIL_TAKEN when another account took the new address before the link was followed', async () => {
    const { devauth, user, outbox, users } = await registered();
    await devauth.changeEmail.execute({ password: STRONG_PASSWORD, newEmail: 'new@example.com' }, { userId: user.id });
    const token = outbox.latest('email-verification', 'new@example.com')!.message.token;
    await devauth.register.execute({ username: 'bob', password: STRONG_PASSWORD, email: 'new@example.com' });
    await expect(devauth.verifyEmail.execute({ token })).rejects.toBeInstanceOf(EmailTakenError);
    expect(await users.findById(user.id)).toMatchObject({ email: 'alice@example.com', emailVerified: false });
  });

  it('reports a failed send (503) and leaves no usable token behind', async () => {
    const { devauth, user, outbox, accountTokens } = await registered();
    await devauth.verifyEmail.execute({ token: outbox.latest('email-verification')!.message.token });
    outbox.failNext(new UpstreamUnavailableError('mail', 5));
    await expect(
      devauth.changeEmail.execute({ password: STRONG_PASSWORD, newEmail: 'new@example.com' }, { userId: user.id }),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(accountTokens.size).toBe(0);
  });
});

describe('requireVerifiedEmail', () => {
  const config = { requireVerifiedEmail: true };

  it('needs a message sender, and an email address at registration', async () => {
    const { devauth } = makeDevauth(config);
    await expect(devauth.register.execute({ username: 'bob', password: STRONG_PASSWORD })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [expect.objectContaining({ path: ['email'], code: 'required' })],
    });
    const { users, refreshTokens, loginAttempts, invitations, guestLinks, accountTokens, broker } = makeDevauth();
    expect(() =>
      createDevauth({ users, refreshTokens, loginAttempts, invitations, guestLinks, accountTokens, broker }, config),
    ).toThrow(ConfigurationError);
  });

  it('refuses login only after a correct password, with its own code, and sends a new link', async () => {
    const { devauth, outbox, loginAttempts, verificationToken } = await registered({
      ...config,
      throttle: { freeFailures: 2 },
    });
    const login = (password: string) => devauth.login.execute({ username: 'alice', password });
    await expect(login('wrong password entirely')).rejects.toBeInstanceOf(InvalidCredentialsError);
    outbox.clear();
    await expect(login(STRONG_PASSWORD)).rejects.toBeInstanceOf(EmailNotVerifiedError);
    expect(outbox.latest('email-verification', 'alice@example.com')).toBeDefined();
    // A correct password is not a failure: the earlier one was forgotten, so the user is not throttled.
    for (let i = 0; i < 4; i++) await expect(login(STRONG_PASSWORD)).rejects.toBeInstanceOf(EmailNotVerifiedError);
    expect(await loginAttempts.get(['user:alice'])).toEqual([]);
    // Resends are rate-limited: three in a burst.
    expect(outbox.sent.filter((entry) => entry.message.kind === 'email-verification')).toHaveLength(3);
    await devauth.verifyEmail.execute({ token: verificationToken() });
    await expect(login(STRONG_PASSWORD)).resolves.toMatchObject({ user: { emailVerified: true } });
  });
});

describe('Login with a verified email (loginWithEmail)', () => {
  it('signs in by a verified address, in any case, and by the username as before', async () => {
    const { devauth, verificationToken } = await registered({ loginWithEmail: true });
    await devauth.verifyEmail.execute({ token: verificationToken() });
    const result = await devauth.login.execute({ username: ' ALICE@example.com', password: STRONG_PASSWORD });
    expect(result.user.username).toBe('alice');
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).resolves.toBeDefined();
  });

  it('treats an unverified address like an unknown one: same answer, one full verification each', async () => {
    const { devauth, hasher } = await registered({ loginWithEmail: true });
    for (const username of ['alice@example.com', 'nobody@example.com']) {
      const before = hasher.verifies;
      await expect(devauth.login.execute({ username, password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
      expect(hasher.verifies - before).toBe(1);
    }
  });

  it('counts failures by address on the account, so username and address share one budget', async () => {
    const { devauth, verificationToken } = await registered({ loginWithEmail: true, throttle: { freeFailures: 2 } });
    await devauth.verifyEmail.execute({ token: verificationToken() });
    for (const username of ['alice@example.com', 'alice']) {
      await expect(devauth.login.execute({ username, password: 'wrong password entirely' })).rejects.toBeInstanceOf(
        InvalidCredentialsError,
      );
    }
    await expect(
      devauth.login.execute({ username: 'alice@example.com', password: STRONG_PASSWORD }),
    ).rejects.toBeInstanceOf(ThrottledError);
  });

  it('is off by default: an address is not a username', async () => {
    const { devauth, verificationToken } = await registered();
    await devauth.verifyEmail.execute({ token: verificationToken() });
    await expect(
      devauth.login.execute({ username: 'alice@example.com', password: STRONG_PASSWORD }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('Password reset and the address', () => {
  it('goes by username or verified address, and never to an unverified address by default', async () => {
    const { devauth, outbox, verificationToken } = await registered();
    const token = verificationToken();
    outbox.clear();
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    await devauth.requestPasswordReset.execute({ username: 'alice@example.com' });
    expect(outbox.sent).toEqual([]);
    await devauth.verifyEmail.execute({ token });
    await devauth.requestPasswordReset.execute({ username: 'ALICE@example.com' });
    expect(outbox.latest('password-reset', 'alice@example.com')).toBeDefined();
  });

  it('may go to an unverified address with passwordResetToUnverifiedEmail (users from before verification)', async () => {
    const { devauth, outbox } = await registered({ passwordResetToUnverifiedEmail: true });
    await devauth.requestPasswordReset.execute({ username: 'alice' });
    expect(outbox.latest('password-reset', 'alice@example.com')).toBeDefined();
    // By address, still only a verified one names the account.
    outbox.clear();
    await devauth.requestPasswordReset.execute({ username: 'alice@example.com' });
    expect(outbox.sent).toEqual([]);
  });
});
