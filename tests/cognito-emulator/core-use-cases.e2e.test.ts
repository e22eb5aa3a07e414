import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fromCognitoIdentity } from '@aws-sdk/credential-providers';
import { CognitoIdentityBroker } from '@devauth/adapters-cognito';
import {
  createDevauth,
  type Devauth,
  nextVersion,
  type PasswordHasher,
  RefreshTokenReusedError,
  staticCommonPasswords,
  UpstreamUnavailableError,
} from '@devauth/core';
import {
  InMemoryAccountTokenStore,
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
} from '@devauth/core/testing';
import { type IdentityPoolEmulator, type PoolDescription, startIdentityPoolEmulator } from '@devauth/local';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient } from '../../packages/adapters-cognito/tests/helpers.js';

// The core's login, guest and refresh use cases end to end: in-memory stores, the real adapter with the real SDK
// client, the identity-pool emulator over HTTP, and the client-side credential provider on the tokens it hands out.

/** A fast salted-SHA-256 hasher: password hashing is not what this test is about. */
const testHasher: PasswordHasher = {
  async hash(password) {
    const salt = randomBytes(16).toString('base64url');
    return `$test$${salt}$${createHash('sha256')
      .update(salt + password)
      .digest('base64url')}`;
  },
  async verify(encoded, password) {
    const [, id, salt, digest] = encoded.split('$');
    if (id !== 'test' || !salt || !digest) return false;
    const actual = Buffer.from(
      createHash('sha256')
        .update(salt + password)
        .digest('base64url'),
    );
    const expected = Buffer.from(digest);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  },
  needsRehash: () => false,
};

const PROVIDER = 'login.shop.test';
const PASSWORD = 'correct horse battery staple';
let emulator: IdentityPoolEmulator;
let pool: PoolDescription;
let broker: CognitoIdentityBroker;
let devauth: Devauth;
let users: InMemoryUserStore;
const logs: string[] = [];

beforeAll(async () => {
  emulator = await startIdentityPoolEmulator();
  pool = emulator.createPool({ developerProviderName: PROVIDER });
  broker = new CognitoIdentityBroker({
    identityPoolId: pool.identityPoolId,
    developerProviderName: PROVIDER,
    client: sdkClient(emulator.endpoint),
    logger: { error: (line) => logs.push(line) },
  });
  users = new InMemoryUserStore();
  devauth = createDevauth(
    {
      users,
      refreshTokens: new InMemoryRefreshTokenStore(),
      loginAttempts: new InMemoryLoginAttemptStore(),
      invitations: new InMemoryInvitationStore(),
      guestLinks: new InMemoryGuestLinkStore(),
      accountTokens: new InMemoryAccountTokenStore(),
      broker,
      hasher: testHasher,
      commonPasswords: staticCommonPasswords(['password1234']),
    },
    { tokenDurationSeconds: 600 },
  );
});

afterAll(async () => {
  broker.client.destroy();
  await emulator.stop();
});

async function verified(token: string) {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(emulator.jwksUri)), {
    issuer: 'https://cognito-identity.amazonaws.com',
    audience: pool.identityPoolId,
  });
  return payload;
}

async function register(username: string, role?: string) {
  return devauth.register.execute(
    { username, password: PASSWORD, ...(role ? { role } : {}) },
    role ? { actor: { isAdministrator: true } } : {},
  );
}

describe('core use cases with the Cognito adapter on the emulator', () => {
  it('login: a verified token for the user identity, stored, and working AWS credentials', async () => {
    const user = await register('alice');
    const result = await devauth.login.execute({ username: 'alice', password: PASSWORD });

    expect(result.identityId).toBe(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, user.id));
    expect((await users.findById(user.id))?.identityId).toBe(result.identityId);
    const claims = await verified(result.openIdToken);
    expect(claims).toMatchObject({
      sub: result.identityId,
      amr: ['authenticated', PROVIDER, `${PROVIDER}:${pool.identityPoolId}:${user.id}`],
      'https://aws.amazon.com/tags': { principal_tags: { role: ['shopper'] } },
    });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(result.openIdTokenExpiresAt.getTime()).toBe(claims.exp! * 1000);

    const credentials = await fromCognitoIdentity({
      identityId: result.identityId,
      logins: { 'cognito-identity.amazonaws.com': result.openIdToken },
      clientConfig: { endpoint: emulator.endpoint, region: emulator.region },
    })();
    expect(emulator.credentials.lookup(credentials.accessKeyId)).toMatchObject({
      identityId: result.identityId,
      authenticationType: 'authenticated',
      developerUserId: user.id,
      principalTags: { role: 'shopper' },
    });

    const again = await devauth.login.execute({ username: 'alice', password: PASSWORD });
    expect(again.identityId).toBe(result.identityId);
  });

  it('guest, then login: the guest identity is upgraded in place', async () => {
    await register('bob', 'seller');
    const guest = await devauth.guest.execute();
    const guestCredentials = await fromCognitoIdentity({
      identityId: guest.identityId,
      clientConfig: { endpoint: emulator.endpoint, region: emulator.region },
    })();
    expect(emulator.credentials.lookup(guestCredentials.accessKeyId)?.authenticationType).toBe('unauthenticated');

    const result = await devauth.login.execute({
      username: 'bob',
      password: PASSWORD,
      guestIdentityId: guest.identityId,
      guestLinkSecret: guest.guestLinkSecret,
    });
    expect(result.identityId).toBe(guest.identityId);
    expect((await verified(result.openIdToken))['https://aws.amazon.com/tags']).toEqual({
      principal_tags: { role: ['seller'] },
    });
  });

  it('a user linked elsewhere logging in with a guest identity keeps (and the core stores) its own identity', async () => {
    const user = await register('carol');
    const first = await devauth.login.execute({ username: 'carol', password: PASSWORD });
    // The store lost the identity (e.g. restored from an old backup): the core will pass the guest's IdentityId.
    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { identityId: null }, new Date()));

    const guest = await devauth.guest.execute();
    const result = await devauth.login.execute({
      username: 'carol',
      password: PASSWORD,
      guestIdentityId: guest.identityId,
    });
    expect(result.identityId).toBe(first.identityId);
    expect((await users.findById(user.id))?.identityId).toBe(first.identityId);
    expect(emulator.pools.identity(guest.identityId)?.authenticated).toBe(false);
  });

  it('refresh: a fresh token for the same identity with the current role; rotation detects reuse', async () => {
    const user = await register('dave');
    const login = await devauth.login.execute({ username: 'dave', password: PASSWORD });

    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { role: 'seller' }, new Date()));
    const refreshed = await devauth.refresh.execute({ refreshToken: login.refreshToken });
    expect(refreshed.identityId).toBe(login.identityId);
    expect(refreshed.refreshToken).not.toBe(login.refreshToken);
    const claims = await verified(refreshed.openIdToken);
    expect(claims.sub).toBe(login.identityId);
    expect(claims['https://aws.amazon.com/tags']).toEqual({ principal_tags: { role: ['seller'] } });

    await expect(devauth.refresh.execute({ refreshToken: login.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenReusedError,
    );
  });

  it('refresh during a Cognito outage fails as UpstreamUnavailableError and leaves the refresh token usable', async () => {
    await register('erin');
    const login = await devauth.login.execute({ username: 'erin', password: PASSWORD });
    emulator.faults.failNext('GetOpenIdTokenForDeveloperIdentity', 'InternalErrorException', 3);
    await expect(devauth.refresh.execute({ refreshToken: login.refreshToken })).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    const retried = await devauth.refresh.execute({ refreshToken: login.refreshToken });
    expect(retried.identityId).toBe(login.identityId);
  });

  it('logged nothing', () => {
    expect(logs).toEqual([]);
  });
});
