/**
 * The account lifecycle end to end: @devauth/client over HTTP through the local gateway (SigV4 + IAM for the signed
 * routes), the real handlers and Cognito adapter against the emulator, and the local outbox as the user's mailbox.
 */
import { createDevauthClient, type DevauthClient, DevauthClientError } from '@devauth/client';
import { digestSecretToken } from '@devauth/core';
import { createInMemoryStores, type InMemoryStores } from '@devauth/core/testing';
import { type LocalStack, startLocalStack } from '@devauth/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const region = 'us-east-1';
const password = 'a long passphrase nobody guesses';
const newPassword = 'another long passphrase 2026';

async function refused(promise: Promise<unknown>): Promise<DevauthClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DevauthClientError);
  return error as DevauthClientError;
}

describe('account lifecycle through @devauth/client and the local stack', () => {
  let stack: LocalStack;
  let stores: InMemoryStores;
  const clientFor = (): DevauthClient =>
    createDevauthClient({ baseUrl: stack.endpoint, region, cognito: { endpoint: stack.emulator.endpoint } });
  /** The token of the newest verification message to `email`, as the user's mailbox (the outbox) holds it. */
  const verificationToken = (email: string) => {
    const entry = stack.outbox!.latest('email-verification', email);
    expect(entry, `a verification message to ${email}`).toBeDefined();
    return entry!.message.token;
  };

  beforeAll(async () => {
    stores = createInMemoryStores();
    stack = await startLocalStack({
      region,
      stores,
      // Every reset request of the file comes from 127.0.0.1: the per-address limit must not be what a test meets.
      config: { passwordResetResponseFloorMs: 0, passwordResetRateLimit: { freeFailures: 100 } },
      guardCacheTtlSeconds: 0,
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('changes the password: other devices are signed out, this one continues on the same identity', async () => {
    const phone = clientFor();
    const laptop = clientFor();
    await phone.register({ username: 'carol', password, email: 'carol@example.com' });
    const first = await phone.login({ username: 'carol', password });
    await laptop.login({ username: 'carol', password });

    expect(await phone.changePassword({ currentPassword: password, newPassword })).toEqual({ revokedSessions: 2 });
    expect((await phone.getSession())?.identityId).toBe(first.identityId);
    expect((await phone.me()).user?.username).toBe('carol');
    await expect(phone.refresh()).resolves.toMatchObject({ identityId: first.identityId });
    // A session revoked elsewhere is refused on refresh.
    expect((await refused(laptop.refresh())).status).toBe(401);
    expect(stack.outbox?.latest('password-changed', 'carol@example.com')).toBeDefined();
    expect((await refused(clientFor().login({ username: 'carol', password }))).status).toBe(401);
  });

  it('resets a forgotten password with the token from the outbox; the same answer for an unknown user', async () => {
    const client = clientFor();
    await client.register({ username: 'dave', password, email: 'dave@example.com' });
    // Reset messages go to verified addresses only: dave follows the link registration mailed him first.
    await client.verifyEmail(verificationToken('dave@example.com'));
    await client.login({ username: 'dave', password });
    await expect(client.forgotPassword('dave')).resolves.toBeUndefined();
    await expect(client.forgotPassword('nobody-here')).resolves.toBeUndefined();
    const token = stack.outbox!.latest('password-reset', 'dave@example.com')!.message.token;

    const weak = await refused(client.resetPassword({ token, newPassword: 'dave' }));
    expect(weak.status).toBe(400);
    await client.resetPassword({ token, newPassword });
    expect(await client.getSession()).toBeUndefined();
    expect((await refused(client.resetPassword({ token, newPassword: 'and once more 12345' }))).code).toBe(
      'ACCOUNT_TOKEN_INVALID',
    );
    await expect(clientFor().login({ username: 'dave', password: newPassword })).resolves.toMatchObject({
      role: 'shopper',
    });
  });

  it('an unverified address gets no reset message, and the same answer as any other request', async () => {
    const client = clientFor();
    await client.register({ username: 'gina', password, email: 'gina@example.com' });
    await expect(client.forgotPassword('gina')).resolves.toBeUndefined();
    expect(stack.outbox!.latest('password-reset', 'gina@example.com')).toBeUndefined();
    await client.verifyEmail(verificationToken('gina@example.com'));
    await client.forgotPassword('gina');
    expect(stack.outbox!.latest('password-reset', 'gina@example.com')).toBeDefined();
  });

  it('verifies the address, then changes it: the old address is told, the new one is verified', async () => {
    const phone = clientFor();
    await phone.register({ username: 'hank', password, email: 'hank@example.com' });
    const session = await phone.login({ username: 'hank', password });
    expect(session.user).toMatchObject({ email: 'hank@example.com', emailVerified: false });
    // A new link while unverified; only the newest one works.
    const first = verificationToken('hank@example.com');
    expect(await phone.resendEmailVerification()).toEqual({ sentTo: 'hank@example.com' });
    expect((await refused(clientFor().verifyEmail(first))).code).toBe('ACCOUNT_TOKEN_INVALID');
    // The link opened on another device, signed in nowhere.
    const laptop = clientFor();
    const verified = await laptop.verifyEmail(verificationToken('hank@example.com'));
    expect(verified.user).toMatchObject({ username: 'hank', email: 'hank@example.com', emailVerified: true });
    expect(await laptop.getSession()).toBeUndefined();
    expect((await phone.me()).user).toMatchObject({ emailVerified: true });
    expect(await phone.resendEmailVerification()).toEqual({ alreadyVerified: true });

    // A change needs the password, and an address nobody else has.
    expect((await refused(phone.changeEmail({ password: 'not my password 1', newEmail: 'h@example.com' }))).code).toBe(
      'INVALID_CREDENTIALS',
    );
    await clientFor().register({ username: 'ivy', password, email: 'ivy@example.com' });
    expect((await refused(phone.changeEmail({ password, newEmail: 'ivy@example.com' }))).code).toBe('EMAIL_TAKEN');
    expect(await phone.changeEmail({ password, newEmail: 'Hank@New.Example.com' })).toEqual({
      sentTo: 'hank@new.example.com',
    });
    // Until the new address proves itself, the old one is the account's, still verified.
    expect((await phone.me()).user).toMatchObject({ email: 'hank@example.com', emailVerified: true });
    expect(stack.outbox!.latest('email-changed', 'hank@example.com')).toBeUndefined();

    const changed = await phone.verifyEmail(verificationToken('hank@new.example.com'));
    expect(changed.user).toMatchObject({ email: 'hank@new.example.com', emailVerified: true });
    // The phone's stored session follows the change; the old address is told it was replaced.
    const stored = await phone.getSession();
    expect(stored?.kind === 'user' && stored.user).toMatchObject({
      email: 'hank@new.example.com',
      emailVerified: true,
    });
    expect(stack.outbox!.latest('email-changed', 'hank@example.com')).toBeDefined();
    expect((await phone.me()).user).toMatchObject({ email: 'hank@new.example.com', emailVerified: true });
    // Resets now go to the new address.
    await phone.forgotPassword('hank');
    expect(stack.outbox!.latest('password-reset', 'hank@new.example.com')).toBeDefined();
    expect(stack.outbox!.latest('password-reset', 'hank@example.com')).toBeUndefined();
  });

  it('with requireVerifiedEmail, login waits for the link: EMAIL_NOT_VERIFIED after a correct password', async () => {
    const strict = await startLocalStack({
      region,
      stores: createInMemoryStores(),
      config: { passwordResetResponseFloorMs: 0, requireVerifiedEmail: true },
    });
    try {
      const client = createDevauthClient({
        baseUrl: strict.endpoint,
        region,
        cognito: { endpoint: strict.emulator.endpoint },
      });
      await client.register({ username: 'jack', password, email: 'jack@example.com' });
      const refusal = await refused(client.login({ username: 'jack', password }));
      expect(refusal).toMatchObject({ code: 'EMAIL_NOT_VERIFIED', status: 403 });
      expect(await client.getSession()).toBeUndefined();
      await client.verifyEmail(strict.outbox!.latest('email-verification', 'jack@example.com')!.message.token);
      await expect(client.login({ username: 'jack', password })).resolves.toMatchObject({ role: 'shopper' });
    } finally {
      await strict.stop();
    }
  });

  it('lists sessions by device, ends one elsewhere, then every other, then signs out everywhere', async () => {
    const browserFetch = (agent: string) => (input: string, init?: RequestInit) =>
      fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'user-agent': agent } });
    const device = (agent: string) =>
      createDevauthClient({
        baseUrl: stack.endpoint,
        region,
        cognito: { endpoint: stack.emulator.endpoint },
        fetch: browserFetch(agent),
      });
    const laptop = device('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
    const phone = device(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1',
    );
    const tablet = device(
      'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    );
    await laptop.register({ username: 'frank', password });
    for (const client of [laptop, phone, tablet]) await client.login({ username: 'frank', password });

    const sessions = await laptop.sessions();
    expect(sessions.map((session) => session.client?.userAgent).sort()).toEqual([
      'Chrome on Android',
      'Firefox on Linux',
      'Safari on iOS',
    ]);
    expect(sessions.every((session) => session.client?.addressPrefix === '127.0.0.0/24')).toBe(true);

    const tabletSession = sessions.find((session) => session.client?.userAgent === 'Chrome on Android')!;
    await laptop.revokeSession(tabletSession.id);
    expect((await refused(tablet.refresh())).status).toBe(401);
    expect((await refused(laptop.revokeSession(tabletSession.id))).code).toBe('SESSION_NOT_FOUND');
    expect(await laptop.revokeOtherSessions()).toEqual({ revoked: 1 });
    expect((await refused(phone.refresh())).status).toBe(401);
    await expect(laptop.refresh()).resolves.toBeDefined();
    expect(await laptop.signOutEverywhere()).toEqual({ revoked: 1 });
    expect(await laptop.getSession()).toBeUndefined();
  });

  it('deletes the account with the password; nothing of the user is left in any store', async () => {
    const client = clientFor();
    // Other users' links (pending resets and verifications of the tests before) stay where they are.
    const othersTokens = stores.accountTokens.size;
    await client.register({ username: 'erin', password, email: 'erin@example.com' });
    await client.verifyEmail(verificationToken('erin@example.com'));
    const session = await client.login({ username: 'erin', password });
    await client.forgotPassword('erin');
    // The verification token is spent; the reset token is erin's one left.
    expect(stores.accountTokens.size).toBe(othersTokens + 1);
    const refreshTokensBefore = stores.refreshTokens.size - 1;
    expect((await refused(client.deleteAccount({ password: 'not my password 1' }))).status).toBe(401);
    await client.deleteAccount({ password });
    expect(await client.getSession()).toBeUndefined();

    const user = await stores.users.findByUsername('erin');
    expect(user).toBeNull();
    expect(await stores.users.findByIdentityId(session.identityId)).toBeNull();
    expect(await stores.refreshTokens.find(digestSecretToken(session.refreshToken))).toBeNull();
    expect(stores.refreshTokens.size).toBe(refreshTokensBefore);
    expect(stores.accountTokens.size).toBe(othersTokens);
    expect(await stores.loginAttempts.get(['user:erin'])).toEqual([]);
    expect((await refused(client.refresh(session.refreshToken))).status).toBe(401);
  });
});
