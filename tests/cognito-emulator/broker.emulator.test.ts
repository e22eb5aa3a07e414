/**
 * The Cognito adapter against the identity-pool emulator of `@devauth/local` over the real AWS SDK: logins, guest
 * upgrades, link conflicts, outages and refusals. It lives with the cross-package tests so the adapter does not
 * dev-depend on the emulator's package.
 */

import { CognitoErrorDetails, CognitoIdentityBroker } from '@devauth/adapters-cognito';
import { ConfigurationError, UpstreamUnavailableError } from '@devauth/core';
import { type IdentityPoolEmulator, type PoolDescription, startIdentityPoolEmulator } from '@devauth/local';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, rejectionOf } from '../../packages/adapters-cognito/tests/helpers.js';
import { type BrokerUnderTest, brokerOn } from './broker-on.js';

const PROVIDER = 'login.shop.test';
const TOKEN_OP = 'GetOpenIdTokenForDeveloperIdentity';

let emulator: IdentityPoolEmulator;
let pool: PoolDescription;
let mergingPool: PoolDescription;
let closedPool: PoolDescription;
let subject: BrokerUnderTest;
/** Every token and developer user id handed out in this file: none may ever show up in a log line. */
const secrets: string[] = [];
const allLogs: string[][] = [];

beforeAll(async () => {
  emulator = await startIdentityPoolEmulator();
  pool = emulator.createPool({ developerProviderName: PROVIDER });
  mergingPool = emulator.createPool({ developerProviderName: PROVIDER, linkConflict: 'merge' });
  closedPool = emulator.createPool({ developerProviderName: PROVIDER, allowUnauthenticatedIdentities: false });
});

afterAll(async () => {
  const lines = allLogs.flat();
  for (const secret of secrets) {
    for (const line of lines) expect(line).not.toContain(secret);
  }
  await emulator.stop();
});

function track(under: BrokerUnderTest): BrokerUnderTest {
  allLogs.push(under.logs);
  return under;
}

beforeEach(() => {
  emulator.faults.clear();
  emulator.requests.clear();
  subject = track(brokerOn(emulator, { identityPoolId: pool.identityPoolId }));
  return () => subject.client.destroy();
});

let counter = 0;
function newUser(): string {
  const id = `dev-user-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
  secrets.push(id);
  return id;
}

async function login(
  broker: CognitoIdentityBroker,
  developerUserId: string,
  identityId?: string,
  principalTags: Record<string, string> = { role: 'buyer' },
  tokenDurationSeconds = 900,
) {
  const result = await broker.getTokenForUser({ developerUserId, identityId, principalTags, tokenDurationSeconds });
  secrets.push(result.token);
  return result;
}

describe('getTokenForUser against the emulator', () => {
  it('logs a user in: token, identity, expiry from the token', async () => {
    const result = await login(subject.broker, newUser());
    expect(result.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(result.token.split('.')).toHaveLength(3);
    expect(result.identityReplaced).toBe(false);
    const claims = await emulator.verifyToken(result.token);
    expect(result.expiresAt.getTime()).toBe(claims.exp * 1000);
  });

  it('gives the same identity on every login', async () => {
    const user = newUser();
    const first = await login(subject.broker, user);
    const again = await login(subject.broker, user);
    const withKnownId = await login(subject.broker, user, first.identityId);
    expect(again.identityId).toBe(first.identityId);
    expect(withKnownId).toMatchObject({ identityId: first.identityId, identityReplaced: false });
  });

  it('puts the principal tags and the duration into a token that verifies against the JWKS', async () => {
    const user = newUser();
    const result = await login(subject.broker, user, undefined, { role: 'seller' }, 3600);
    const { payload } = await jwtVerify(result.token, createRemoteJWKSet(new URL(emulator.jwksUri)), {
      issuer: 'https://cognito-identity.amazonaws.com',
      audience: pool.identityPoolId,
    });
    expect(payload.sub).toBe(result.identityId);
    expect(payload.amr).toEqual(['authenticated', PROVIDER, `${PROVIDER}:${pool.identityPoolId}:${user}`]);
    expect(payload['https://aws.amazon.com/tags']).toEqual({ principal_tags: { role: ['seller'] } });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('upgrades a guest in place: the IdentityId is kept', async () => {
    const { identityId: guestId } = await subject.broker.createGuestIdentity();
    const result = await login(subject.broker, newUser(), guestId);
    expect(result).toMatchObject({ identityId: guestId, identityReplaced: false });
    expect(emulator.pools.identity(guestId)?.authenticated).toBe(true);
  });

  it('resolves a user already linked elsewhere to its own identity (service refuses: retried without IdentityId)', async () => {
    const user = newUser();
    const own = await login(subject.broker, user);
    const { identityId: guestId } = await subject.broker.createGuestIdentity();
    emulator.requests.clear();
    const result = await login(subject.broker, user, guestId);
    expect(result).toMatchObject({ identityId: own.identityId, identityReplaced: true });
    expect(emulator.requests.list(TOKEN_OP).map((r) => r.errorType)).toEqual([
      'DeveloperUserAlreadyRegisteredException',
      undefined,
    ]);
    expect(subject.logs).toEqual([expect.stringContaining('was refused (DeveloperUserAlreadyRegisteredException)')]);
  });

  it('resolves a user already linked elsewhere to its own identity (service merges: one call)', async () => {
    const merging = track(brokerOn(emulator, { identityPoolId: mergingPool.identityPoolId }));
    const user = newUser();
    const own = await login(merging.broker, user);
    const { identityId: guestId } = await merging.broker.createGuestIdentity();
    emulator.requests.clear();
    const result = await login(merging.broker, user, guestId);
    expect(result).toMatchObject({ identityId: own.identityId, identityReplaced: true });
    expect(emulator.requests.count(TOKEN_OP)).toBe(1);
    merging.client.destroy();
  });

  it("never takes over another user's identity: a conflicting IdentityId resolves to the user's own", async () => {
    const victim = await login(subject.broker, newUser());
    const result = await login(subject.broker, newUser(), victim.identityId);
    expect(result.identityReplaced).toBe(true);
    expect(result.identityId).not.toBe(victim.identityId);
  });

  it('recovers from a stored identity that no longer exists', async () => {
    const user = newUser();
    const first = await login(subject.broker, user);
    await subject.broker.removeIdentity({ developerUserId: user, identityId: first.identityId });
    const result = await login(subject.broker, user, first.identityId);
    expect(result.identityReplaced).toBe(true);
    expect(result.identityId).not.toBe(first.identityId);
  });
});

describe('createGuestIdentity and removeIdentity', () => {
  it('creates guest identities', async () => {
    const a = await subject.broker.createGuestIdentity();
    const b = await subject.broker.createGuestIdentity();
    expect(a.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(b.identityId).not.toBe(a.identityId);
    expect(emulator.pools.identity(a.identityId)).toMatchObject({
      identityPoolId: pool.identityPoolId,
      authenticated: false,
    });
  });

  it('unlinks and deletes, idempotently', async () => {
    const user = newUser();
    const { identityId } = await login(subject.broker, user);
    await subject.broker.removeIdentity({ developerUserId: user, identityId });
    expect(emulator.pools.identity(identityId)).toBeUndefined();
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, user)).toBeUndefined();
    expect(emulator.requests.list().map((r) => r.operation)).toEqual([
      TOKEN_OP,
      'UnlinkDeveloperIdentity',
      'DeleteIdentities',
    ]);
    // Already gone: still a success.
    await subject.broker.removeIdentity({ developerUserId: user, identityId });
    // A later login starts afresh.
    expect((await login(subject.broker, user)).identityId).not.toBe(identityId);
  });
});

describe('upstream failures become UpstreamUnavailableError after the SDK retries', () => {
  it('throttling: 3 attempts, then a retry hint', async () => {
    emulator.faults.failNext(TOKEN_OP, 'TooManyRequestsException', 3);
    const error = await rejectionOf(login(subject.broker, newUser()));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ upstream: 'cognito-identity', retryAfterSeconds: 1 });
    expect(emulator.requests.count(TOKEN_OP)).toBe(3);
    expect(error.cause).toBeInstanceOf(CognitoErrorDetails);
    expect(error.cause).toMatchObject({ errorName: 'TooManyRequestsException', attempts: 3, httpStatusCode: 400 });
    expect(subject.logs).toEqual([]);
  });

  it('throttling that clears within the retries is invisible', async () => {
    emulator.faults.failNext(TOKEN_OP, 'LimitExceededException', 1);
    const result = await login(subject.broker, newUser());
    expect(result.token).toBeTruthy();
    expect(emulator.requests.count(TOKEN_OP)).toBe(2);
  });

  it("uses the service's Retry-After when there is one", async () => {
    const single = track(brokerOn(emulator, { identityPoolId: pool.identityPoolId, maxAttempts: 1 }));
    emulator.faults.failNext('GetId', 'TooManyRequestsException', 1, { retryAfterSeconds: 7 });
    const error = await rejectionOf(single.broker.createGuestIdentity());
    expect(error).toMatchObject({ retryAfterSeconds: 7 });
    single.client.destroy();
  });

  it('InternalErrorException (500): 3 attempts', async () => {
    emulator.faults.failNext(TOKEN_OP, 'InternalErrorException', 3);
    const error = await rejectionOf(login(subject.broker, newUser()));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ retryAfterSeconds: 5 });
    expect(error.cause).toMatchObject({ errorName: 'InternalErrorException', httpStatusCode: 500, attempts: 3 });
    expect(emulator.requests.count(TOKEN_OP)).toBe(3);
  });

  it('a bare 503 on GetId', async () => {
    emulator.faults.failNext('GetId', 'ServiceUnavailable', 3);
    const error = await rejectionOf(subject.broker.createGuestIdentity());
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(emulator.requests.count('GetId')).toBe(3);
  });

  it('connections reset by the server', async () => {
    emulator.faults.failNext('DeleteIdentities', 'ConnectionReset', 3);
    const user = newUser();
    const { identityId } = await login(subject.broker, user);
    const error = await rejectionOf(subject.broker.removeIdentity({ developerUserId: user, identityId }));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(emulator.requests.count('DeleteIdentities')).toBe(3);
  });

  it('nothing listening: quickly unavailable, in bounded time', async () => {
    const port = await closedPort();
    const logs: string[] = [];
    allLogs.push(logs);
    const broker = new CognitoIdentityBroker({
      identityPoolId: pool.identityPoolId,
      developerProviderName: PROVIDER,
      clientConfig: {
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      },
      logger: { error: (line) => logs.push(line) },
    });
    const started = Date.now();
    const error = await rejectionOf(login(broker, newUser()));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.cause).toMatchObject({ attempts: 3, httpStatusCode: undefined });
    expect(logs).toEqual([]);
    broker.close();
  });

  it('the maxAttempts option bounds the attempts of a client the broker creates', async () => {
    const broker = new CognitoIdentityBroker({
      identityPoolId: pool.identityPoolId,
      developerProviderName: PROVIDER,
      maxAttempts: 2,
      clientConfig: { endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    });
    emulator.faults.failNext('GetId', 'InternalErrorException', 5);
    await expect(broker.createGuestIdentity()).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(emulator.requests.count('GetId')).toBe(2);
    broker.close();
  });
});

describe('refusals become ConfigurationError, logged once per kind without secrets', () => {
  it('an unknown identity pool', async () => {
    const wrong = track(brokerOn(emulator, { identityPoolId: 'us-east-1:0000dead-beef-4000-8000-000000000000' }));
    const user = newUser();
    const first = await rejectionOf(login(wrong.broker, user));
    const second = await rejectionOf(login(wrong.broker, user));
    expect(first).toBeInstanceOf(ConfigurationError);
    expect(second).toBeInstanceOf(ConfigurationError);
    expect(first.message).toContain('ResourceNotFoundException');
    expect(first.message).not.toContain(user);
    expect(first.cause).toBeInstanceOf(CognitoErrorDetails);
    expect(wrong.logs).toHaveLength(1);
    expect(wrong.logs[0]).toContain('ResourceNotFoundException');
    expect(wrong.logs[0]).toContain('identityPoolId');
    expect(wrong.logs[0]).not.toContain(user);
    wrong.client.destroy();
  });

  it.each([0, 86_401])('a TokenDuration of %i', async (duration) => {
    const user = newUser();
    const error = await rejectionOf(login(subject.broker, user, undefined, { role: 'buyer' }, duration));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('InvalidParameterException');
    expect(subject.logs).toHaveLength(1);
    expect(subject.logs[0]).toContain('TokenDuration');
    expect(subject.logs[0]).not.toContain(user);
  });

  it('one log line per error kind, however many errors', async () => {
    const user = newUser();
    for (let i = 0; i < 3; i++) {
      await expect(login(subject.broker, user, undefined, {}, 0)).rejects.toBeInstanceOf(ConfigurationError);
    }
    const wrongProvider = track(
      brokerOn(emulator, { identityPoolId: pool.identityPoolId, developerProviderName: 'other.test' }),
    );
    await expect(login(wrongProvider.broker, user)).rejects.toBeInstanceOf(ConfigurationError);
    expect(subject.logs).toHaveLength(1);
    expect(wrongProvider.logs).toHaveLength(1);
    expect(wrongProvider.logs[0]).toContain('developerProviderName');
    wrongProvider.client.destroy();
  });

  it('guests in a pool that refuses them (NotAuthorizedException)', async () => {
    const closed = track(brokerOn(emulator, { identityPoolId: closedPool.identityPoolId }));
    const error = await rejectionOf(closed.broker.createGuestIdentity());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('NotAuthorizedException');
    await expect(closed.broker.createGuestIdentity()).rejects.toBeInstanceOf(ConfigurationError);
    expect(closed.logs).toHaveLength(1);
    closed.client.destroy();
  });

  it('an invalid token request never leaks the Logins value or a token into errors or logs', async () => {
    const user = newUser();
    // Invalid on the retry without IdentityId too (the duration), so the refusal reaches the caller.
    const error = await rejectionOf(login(subject.broker, user, 'not-an-identity-id', { role: 'x' }, 100_000));
    expect(error).toBeInstanceOf(ConfigurationError);
    const everything = JSON.stringify([error.message, (error.cause as Error).message, subject.logs]);
    expect(everything).not.toContain(user);
    expect(everything).not.toMatch(/eyJ[\w-]+\./);
  });
});

describe('construction', () => {
  it('creates no client and sends nothing until the first call', async () => {
    const broker = new CognitoIdentityBroker({
      identityPoolId: pool.identityPoolId,
      developerProviderName: PROVIDER,
      clientConfig: { endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    });
    expect(emulator.requests.count()).toBe(0);
    const { identityId } = await broker.createGuestIdentity();
    expect(identityId).toBeTruthy();
    expect(emulator.requests.count('GetId')).toBe(1);
    broker.close();
  });

  it.each([
    [{ identityPoolId: 'bad' }, 'identityPoolId'],
    [{ identityPoolId: 'us-east-1:XYZ' }, 'identityPoolId'],
    [{ developerProviderName: 'has space' }, 'developerProviderName'],
    [{ developerProviderName: 'x'.repeat(129) }, 'developerProviderName'],
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ accountId: 'abc' }, 'accountId'],
    [{ clientConfig: {}, client: {} as never }, 'either client or clientConfig'],
  ])('refuses invalid options %j', (overrides, message) => {
    const create = () =>
      new CognitoIdentityBroker({ identityPoolId: pool.identityPoolId, developerProviderName: PROVIDER, ...overrides });
    expect(create).toThrow(ConfigurationError);
    expect(create).toThrow(message);
  });
});
