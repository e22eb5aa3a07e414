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

  beforeAll(async () => {
    stores = createInMemoryStores();
    stack = await startLocalStack({
      region,
      stores,
      config: { passwordResetResponseFloorMs: 0 },
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
    await client.register({ username: 'erin', password, email: 'erin@example.com' });
    const session = await client.login({ username: 'erin', password });
    await client.forgotPassword('erin');
    expect(stores.accountTokens.size).toBe(1);
    const refreshTokensBefore = stores.refreshTokens.size - 1;
    expect((await refused(client.deleteAccount({ password: 'not my password 1' }))).status).toBe(401);
    await client.deleteAccount({ password });
    expect(await client.getSession()).toBeUndefined();

    const user = await stores.users.findByUsername('erin');
    expect(user).toBeNull();
    expect(await stores.users.findByIdentityId(session.identityId)).toBeNull();
    expect(await stores.refreshTokens.find(digestSecretToken(session.refreshToken))).toBeNull();
    expect(stores.refreshTokens.size).toBe(refreshTokensBefore);
    expect(stores.accountTokens.size).toBe(0);
    expect(await stores.loginAttempts.get(['user:erin'])).toEqual([]);
    expect((await refused(client.refresh(session.refreshToken))).status).toBe(401);
  });
});
