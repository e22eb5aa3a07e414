/**
 * @devauth/client end to end against the local gateway and the identity-pool emulator: every call goes over HTTP
 * through the real handlers, the real Cognito adapter and the gateway's SigV4 + IAM checks.
 */

import {
  createDevauthClient,
  createSignedFetch,
  type DevauthClient,
  DevauthClientError,
  type DevauthClientOptions,
  type Session,
  webStorage,
} from '@devauth/client';
import type { LocalStack } from '@devauth/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { region, startShopStack } from '../support/shop-stack.js';

const password = 'a long passphrase nobody guesses';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function caught(promise: Promise<unknown>): Promise<DevauthClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DevauthClientError);
  return error as DevauthClientError;
}

describe('@devauth/client against the local stack', () => {
  let stack: LocalStack;
  const clientFor = (extra: Partial<DevauthClientOptions> = {}): DevauthClient =>
    createDevauthClient({
      baseUrl: stack.endpoint,
      region,
      cognito: { endpoint: stack.emulator.endpoint },
      // The stack's tokens live 3 s and its credentials 303 s: these margins make both expire "soon" quickly.
      tokenRefreshMarginSeconds: 1,
      ...extra,
    });

  beforeAll(async () => {
    stack = await startShopStack({ tokenDurationSeconds: 3, credentialDurationSeconds: 303 });
    const client = clientFor();
    await client.register({ username: 'shopper1', password });
    const invitation = await stack.devauth.createInvitation.execute({ role: 'seller' });
    await client.register({ username: 'seller1', password, role: 'seller', invitationCode: invitation.code });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets a guest browse with unauthenticated credentials, and refuses seller routes', async () => {
    const client = clientFor();
    const guest = await client.guest();
    expect(guest.role).toBe('guest');
    const browse = await client.signedFetch(`${stack.endpoint}/products`);
    expect(browse.status).toBe(200);
    expect(await browse.json()).toEqual(['teapot', 'kettle']);
    const credentials = await client.credentials();
    expect(stack.emulator.credentials.lookup(credentials.accessKeyId)?.authenticationType).toBe('unauthenticated');
    const create = await client.signedFetch(`${stack.endpoint}/products`, { method: 'POST', body: '{}' });
    expect(create.status).toBe(403);
    expect(await client.me()).toMatchObject({ kind: 'guest', role: 'guest', identityId: guest.identityId });
  });

  it('upgrades a guest in place: same IdentityId, authenticated credentials, role-dependent access', async () => {
    const client = clientFor();
    const guest = await client.guest();
    const guestCredentials = await client.credentials();
    const login = await client.login({ username: 'shopper1', password });
    expect(login.identityId).toBe(guest.identityId);
    expect(login.user?.username).toBe('shopper1');

    // The provider re-reads the session: the login switched it to authenticated credentials of the same identity.
    const credentials = await client.credentials();
    expect(credentials.accessKeyId).not.toBe(guestCredentials.accessKeyId);
    const issued = stack.emulator.credentials.lookup(credentials.accessKeyId);
    expect(issued).toMatchObject({ authenticationType: 'authenticated', identityId: guest.identityId });
    expect((await client.credentials()).accessKeyId).toBe(credentials.accessKeyId); // cached

    expect((await client.signedFetch(`${stack.endpoint}/orders`)).status).toBe(200);
    const create = await client.signedFetch(`${stack.endpoint}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'samovar' }),
    });
    expect(create.status).toBe(403);
    expect(await client.me()).toMatchObject({ kind: 'user', role: 'shopper', identityId: guest.identityId });
  });

  it('gives sellers the seller routes', async () => {
    const client = clientFor();
    await client.login({ username: 'seller1', password });
    const create = await client.signedFetch(`${stack.endpoint}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'samovar' }),
    });
    expect(create.status).toBe(201);
    expect((await client.me()).role).toBe('seller');
  });

  it('refreshes the expired OpenID token through the refresh route when credentials are renewed', async () => {
    const client = clientFor({ credentialsExpiryMarginSeconds: 300 });
    await client.login({ username: 'shopper1', password });
    expect((await client.signedFetch(`${stack.endpoint}/orders`)).status).toBe(200);
    const before = (await client.getSession()) as Extract<Session, { kind: 'user' }>;
    const firstKey = (await client.credentials()).accessKeyId;

    await sleep(3_500); // the 3 s token has expired, and the 303 s credentials are within the 300 s margin
    expect(Date.parse(before.openIdTokenExpiresAt)).toBeLessThan(Date.now());
    expect((await client.signedFetch(`${stack.endpoint}/orders`)).status).toBe(200);

    const after = (await client.getSession()) as Extract<Session, { kind: 'user' }>;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(Date.parse(after.openIdTokenExpiresAt)).toBeGreaterThan(Date.now());
    expect(after.identityId).toBe(before.identityId);
    expect((await client.credentials()).accessKeyId).not.toBe(firstKey);
  });

  it('logs out: the session is gone and the revoked refresh token is refused with a typed error', async () => {
    const client = clientFor();
    const login = await client.login({ username: 'shopper1', password });
    await client.logout();
    expect(await client.getSession()).toBeUndefined();

    const notSignedIn = await caught(client.refresh());
    expect(notSignedIn.code).toBe('NOT_SIGNED_IN');
    const revoked = await caught(client.refresh(login.refreshToken));
    expect(revoked).toMatchObject({ code: 'REFRESH_TOKEN_INVALID', status: 401 });
  });

  it('surfaces validation errors with their issues, and conflicts by code', async () => {
    const client = clientFor();
    const invalid = await caught(client.register({ username: 'shorty', password: 'short' }));
    expect(invalid).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(invalid.issues?.length).toBeGreaterThan(0);
    expect(invalid.issues?.[0]).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    const taken = await caught(client.register({ username: 'shopper1', password }));
    expect(taken).toMatchObject({ code: 'USERNAME_TAKEN', status: 409 });
  });

  it('surfaces an unavailable Cognito as UPSTREAM_UNAVAILABLE with retryAfterSeconds', async () => {
    const client = clientFor();
    stack.emulator.faults.failNext('*', 'ServiceUnavailable', 5);
    try {
      const error = await caught(client.login({ username: 'seller1', password }));
      expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      stack.emulator.faults.clear();
    }
  });

  it('corrects a skewed clock from the gateway and re-signs once', async () => {
    const client = clientFor();
    await client.guest();
    const skewed = createSignedFetch({ credentials: client.credentials, region, now: () => Date.now() - 10 * 60_000 });
    const response = await skewed(`${stack.endpoint}/products`);
    expect(response.status).toBe(200);
    expect(skewed.clockOffsetMs()).toBeGreaterThan(9 * 60_000);
    expect((await skewed(`${stack.endpoint}/products`)).status).toBe(200);
  });

  it('keeps the session in a Storage adapter without the password', async () => {
    const items = new Map<string, string>();
    const storage = webStorage({
      getItem: (key) => items.get(key) ?? null,
      setItem: (key, value) => void items.set(key, value),
      removeItem: (key) => void items.delete(key),
    });
    const client = clientFor({ storage, storageKey: 'app.session' });
    await client.login({ username: 'shopper1', password });
    const stored = items.get('app.session') ?? '';
    expect(JSON.parse(stored)).toMatchObject({ kind: 'user', role: 'shopper' });
    expect(stored).not.toContain(password);

    // A second client on the same storage (a page reload) continues the session.
    const reloaded = clientFor({ storage, storageKey: 'app.session' });
    expect((await reloaded.signedFetch(`${stack.endpoint}/orders`)).status).toBe(200);
    await reloaded.logout();
    expect(items.has('app.session')).toBe(false);
  });

  // Last: throttling counts failures per source address too, so afterwards 127.0.0.1 cannot log in for a while.
  it('surfaces login throttling as THROTTLED with retryAfterSeconds', async () => {
    const client = clientFor();
    await client.register({ username: 'victim', password });
    const errors: DevauthClientError[] = [];
    for (let i = 0; i < 6; i++) {
      errors.push(await caught(client.login({ username: 'victim', password: 'not the password at all' })));
    }
    expect(errors[0]).toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
    const throttled = errors.find((error) => error.code === 'THROTTLED');
    expect(throttled).toBeDefined();
    expect(throttled?.status).toBe(429);
    expect(throttled?.retryAfterSeconds).toBeGreaterThan(0);
  });
});
