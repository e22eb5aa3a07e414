import { GetIdCommand, GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentity } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityPoolEmulator, type PoolDescription, startIdentityPoolEmulator } from '../src/index.js';
import { sdkClient } from './helpers.js';

// The client side of the enhanced flow: the unmodified credential provider exchanges a token (or nothing, for a guest)
// for temporary AWS credentials, which the emulator remembers for the local API gateway.
let emulator: IdentityPoolEmulator;
let pool: PoolDescription;

beforeAll(async () => {
  emulator = await startIdentityPoolEmulator();
  pool = emulator.createPool({ developerProviderName: 'login.example.test' });
});

afterAll(async () => {
  await emulator.stop();
});

const clientConfig = () => ({ endpoint: emulator.endpoint, region: emulator.region, maxAttempts: 1 });

describe('fromCognitoIdentity against the emulator', () => {
  it('returns working credentials for a logged-in user, found by the credentials lookup', async () => {
    const backend = sdkClient(emulator);
    const { IdentityId, Token } = await backend.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: pool.identityPoolId,
        Logins: { 'login.example.test': 'seller-42' },
        PrincipalTags: { role: 'seller' },
      }),
    );
    backend.destroy();

    // The function form of a login, as a browser app would use to fetch a fresh token.
    const provider = fromCognitoIdentity({
      identityId: IdentityId!,
      logins: { 'cognito-identity.amazonaws.com': async () => Token! },
      clientConfig: clientConfig(),
    });
    const credentials = await provider();
    expect(credentials).toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIA/),
      secretAccessKey: expect.any(String),
      sessionToken: expect.any(String),
      expiration: expect.any(Date),
    });
    expect(credentials.expiration!.getTime()).toBeGreaterThan(Date.now() + 3500_000);

    expect(emulator.credentials.lookup(credentials.accessKeyId)).toMatchObject({
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      identityId: IdentityId,
      identityPoolId: pool.identityPoolId,
      authenticationType: 'authenticated',
      developerUserId: 'seller-42',
      principalTags: { role: 'seller' },
    });
  });

  it('returns working credentials for a guest (no logins)', async () => {
    const backend = sdkClient(emulator);
    const { IdentityId } = await backend.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId }));
    backend.destroy();

    const credentials = await fromCognitoIdentity({ identityId: IdentityId!, clientConfig: clientConfig() })();
    expect(credentials.sessionToken).toBeTruthy();
    expect(emulator.credentials.lookup(credentials.accessKeyId)).toMatchObject({
      identityId: IdentityId,
      authenticationType: 'unauthenticated',
      principalTags: {},
    });
  });

  it('fails with the service error for a bad token', async () => {
    const backend = sdkClient(emulator);
    const { IdentityId } = await backend.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId }));
    backend.destroy();
    const provider = fromCognitoIdentity({
      identityId: IdentityId!,
      logins: { 'cognito-identity.amazonaws.com': 'not-a-token' },
      clientConfig: clientConfig(),
    });
    await expect(provider()).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });
});
