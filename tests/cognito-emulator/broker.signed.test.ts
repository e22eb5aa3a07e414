import { CognitoIdentityBroker, type CognitoIdentityBrokerOptions } from '@devauth/adapters-cognito';
import { ConfigurationError } from '@devauth/core';
import { type IdentityPoolEmulator, type PoolDescription, startIdentityPoolEmulator } from '@devauth/local';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../packages/adapters-cognito/tests/helpers.js';

// The broker on the real SDK client against an emulator that verifies SigV4 (`backendCredentials`): the backend's
// calls (GetOpenIdTokenForDeveloperIdentity, UnlinkDeveloperIdentity, DeleteIdentities) must be correctly signed
// for the emulator's region and service, and a backend with the wrong credentials must be refused, never served.
const PROVIDER = 'login.signed.test';
const BACKEND = { accessKeyId: 'AKIABROKERSIGNED0001', secretAccessKey: 'broker-signed-test-secret-4f1c' };
const TOKEN_OP = 'GetOpenIdTokenForDeveloperIdentity';

let emulator: IdentityPoolEmulator;
let pool: PoolDescription;
const logs: string[] = [];
const brokers: CognitoIdentityBroker[] = [];

beforeAll(async () => {
  emulator = await startIdentityPoolEmulator({ backendCredentials: BACKEND });
  pool = emulator.createPool({ developerProviderName: PROVIDER });
});

afterAll(async () => {
  for (const broker of brokers) broker.close();
  await emulator.stop();
  // A refused backend is reported once per error kind, without the secret it signed with.
  for (const line of logs) expect(line).not.toContain(BACKEND.secretAccessKey);
});

beforeEach(() => {
  emulator.requests.clear();
});

/** A broker that creates its own client, as a deployment configures it (endpoint, region, credentials). */
function brokerWith(
  credentials: { accessKeyId: string; secretAccessKey: string },
  options: Partial<CognitoIdentityBrokerOptions> = {},
) {
  const broker = new CognitoIdentityBroker({
    identityPoolId: pool.identityPoolId,
    developerProviderName: PROVIDER,
    clientConfig: { endpoint: emulator.endpoint, region: 'us-east-1', credentials },
    logger: { error: (line) => logs.push(line) },
    ...options,
  });
  brokers.push(broker);
  return broker;
}

describe('CognitoIdentityBroker against an emulator that verifies SigV4', () => {
  it('signs every backend call correctly: login, guest, relogin with the IdentityId, removal', async () => {
    const broker = brokerWith(BACKEND);
    const user = 'signed-user-1';
    const login = await broker.getTokenForUser({
      developerUserId: user,
      principalTags: { role: 'seller' },
      tokenDurationSeconds: 900,
    });
    expect(await emulator.verifyToken(login.token)).toMatchObject({ sub: login.identityId, aud: pool.identityPoolId });
    const guest = await broker.createGuestIdentity();
    expect(emulator.pools.identity(guest.identityId)?.authenticated).toBe(false);
    const again = await broker.getTokenForUser({
      developerUserId: user,
      identityId: login.identityId,
      principalTags: { role: 'seller' },
      tokenDurationSeconds: 900,
    });
    expect(again).toMatchObject({ identityId: login.identityId, identityReplaced: false });
    await broker.removeIdentity({ developerUserId: user, identityId: login.identityId });
    expect(emulator.pools.identity(login.identityId)).toBeUndefined();

    const answered = emulator.requests
      .list()
      .map(({ operation, statusCode, signed }) => ({ operation, statusCode, signed }));
    expect(answered).toEqual([
      { operation: TOKEN_OP, statusCode: 200, signed: true },
      { operation: 'GetId', statusCode: 200, signed: false },
      { operation: TOKEN_OP, statusCode: 200, signed: true },
      { operation: 'UnlinkDeveloperIdentity', statusCode: 200, signed: true },
      { operation: 'DeleteIdentities', statusCode: 200, signed: true },
    ]);
  });

  it('refuses a backend with the wrong secret: ConfigurationError, nothing created', async () => {
    const broker = brokerWith({ ...BACKEND, secretAccessKey: 'not-the-backend-secret' }, { maxAttempts: 1 });
    const error = await rejectionOf(
      broker.getTokenForUser({ developerUserId: 'signed-user-2', principalTags: {}, tokenDurationSeconds: 900 }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.cause).toMatchObject({ errorName: 'InvalidSignatureException', httpStatusCode: 400 });
    expect(emulator.requests.list(TOKEN_OP).map((entry) => entry.errorType)).toEqual(['InvalidSignatureException']);
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, 'signed-user-2')).toBeUndefined();
  });

  it('refuses a backend with another access key: ConfigurationError (UnrecognizedClientException)', async () => {
    const broker = brokerWith(
      { accessKeyId: 'AKIANOTTHEBACKEND001', secretAccessKey: BACKEND.secretAccessKey },
      { maxAttempts: 1 },
    );
    const error = await rejectionOf(
      broker.getTokenForUser({ developerUserId: 'signed-user-3', principalTags: {}, tokenDurationSeconds: 900 }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.cause).toMatchObject({ errorName: 'UnrecognizedClientException', httpStatusCode: 400 });
    const removal = await rejectionOf(
      broker.removeIdentity({
        developerUserId: 'signed-user-3',
        identityId: 'us-east-1:00000000-0000-4000-8000-000000000000',
      }),
    );
    expect(removal).toBeInstanceOf(ConfigurationError);
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, 'signed-user-3')).toBeUndefined();
  });
});
