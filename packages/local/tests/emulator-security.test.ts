import { request } from 'node:http';
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type IdentityPoolEmulator,
  type IdentityPoolEmulatorOptions,
  startIdentityPoolEmulator,
} from '../src/index.js';
import { rawCall } from './helpers.js';

// The emulator as a local service: loopback by default, only its own Host names, and (with backendCredentials) the
// SigV4 signature of the developer and pool operations verified like AWS does. The SDK has no classes for the
// signature errors (they are not in the service model): its errors carry the `__type` as `name`.
const BACKEND = { accessKeyId: 'AKIAEMULATORTEST0001', secretAccessKey: 'emulator-test-backend-secret' };
const PROVIDER = 'login.security.test';
let emulator: IdentityPoolEmulator | undefined;
const clients: CognitoIdentityClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await emulator?.stop();
  emulator = undefined;
});

async function start(options: IdentityPoolEmulatorOptions = {}) {
  emulator = await startIdentityPoolEmulator(options);
  return { emulator, pool: emulator.createPool({ developerProviderName: PROVIDER }) };
}

function client(
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region = 'us-east-1',
): CognitoIdentityClient {
  const created = new CognitoIdentityClient({ endpoint: emulator!.endpoint, region, credentials, maxAttempts: 1 });
  clients.push(created);
  return created;
}

const tokenRequest = (poolId: string, user = 'user-1') =>
  new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: poolId, Logins: { [PROVIDER]: user } });

async function refusal(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  expect(outcome, 'expected a refusal').toBeDefined();
  return outcome!;
}

describe('backendCredentials', () => {
  it('accepts the backend’s signature on developer and pool operations', async () => {
    const { pool } = await start({ backendCredentials: BACKEND });
    await expect(client(BACKEND).send(tokenRequest(pool.identityPoolId))).resolves.toMatchObject({
      IdentityId: expect.stringMatching(/^us-east-1:/),
    });
    await expect(
      client(BACKEND).send(
        new CreateIdentityPoolCommand({ IdentityPoolName: 'p', AllowUnauthenticatedIdentities: true }),
      ),
    ).resolves.toMatchObject({ IdentityPoolName: 'p' });
  });

  it('refuses another key (UnrecognizedClientException) and another secret (InvalidSignatureException), 400', async () => {
    const { pool } = await start({ backendCredentials: BACKEND });
    const unknown = await refusal(
      client({ ...BACKEND, accessKeyId: 'AKIAOTHER00000000001' }).send(tokenRequest(pool.identityPoolId)),
    );
    expect(unknown.name).toBe('UnrecognizedClientException');
    expect(unknown.message).toBe('The security token included in the request is invalid.');
    expect(unknown.$metadata?.httpStatusCode).toBe(400);
    const wrong = await refusal(
      client({ ...BACKEND, secretAccessKey: 'wrong' }).send(tokenRequest(pool.identityPoolId)),
    );
    expect(wrong.name).toBe('InvalidSignatureException');
    expect(wrong.$metadata?.httpStatusCode).toBe(400);
    expect(emulator!.requests.list('GetOpenIdTokenForDeveloperIdentity').map((entry) => entry.errorType)).toEqual([
      'UnrecognizedClientException',
      'InvalidSignatureException',
    ]);
    expect(emulator!.pools.identityOfDeveloperUser(pool.identityPoolId, 'user-1')).toBeUndefined();
  });

  it('refuses a signature scoped to another region', async () => {
    const { pool } = await start({ backendCredentials: BACKEND });
    const error = await refusal(client(BACKEND, 'eu-west-1').send(tokenRequest(pool.identityPoolId)));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/^Credential should be scoped to a valid region, not 'eu-west-1'/);
  });

  it('with a session token, requires exactly that token', async () => {
    const temporary = { ...BACKEND, sessionToken: 'backend-session-token-1' };
    const { pool } = await start({ backendCredentials: temporary });
    await expect(client(temporary).send(tokenRequest(pool.identityPoolId))).resolves.toBeTruthy();
    for (const credentials of [BACKEND, { ...temporary, sessionToken: 'another-session-token' }]) {
      const error = await refusal(client(credentials).send(tokenRequest(pool.identityPoolId)));
      expect(error.name).toBe('UnrecognizedClientException');
    }
  });

  it('refuses a session token the configured long-term credentials do not have', async () => {
    const { pool } = await start({ backendCredentials: BACKEND });
    const error = await refusal(client({ ...BACKEND, sessionToken: 'stray' }).send(tokenRequest(pool.identityPoolId)));
    expect(error.name).toBe('UnrecognizedClientException');
  });

  it('verifies even with requireAuthorization: false, and leaves unsigned operations alone', async () => {
    const { pool } = await start({ backendCredentials: BACKEND, requireAuthorization: false });
    const unsigned = await rawCall(emulator!, 'GetOpenIdTokenForDeveloperIdentity', {
      IdentityPoolId: pool.identityPoolId,
      Logins: { [PROVIDER]: 'user-2' },
    });
    expect(unsigned).toMatchObject({ status: 400, json: { __type: 'MissingAuthenticationTokenException' } });
    const bearer = await rawCall(emulator!, 'LookupDeveloperIdentity', {}, { authorization: 'Bearer abc' });
    expect(bearer.json.__type).toBe('MissingAuthenticationTokenException');
    // GetId needs no credentials on AWS; a junk Authorization header on it is not looked at.
    const guest = await rawCall(emulator!, 'GetId', { IdentityPoolId: pool.identityPoolId }, { authorization: 'junk' });
    expect(guest.status).toBe(200);
    await expect(
      client({ accessKeyId: 'x', secretAccessKey: 'y' }).send(
        new GetIdCommand({ IdentityPoolId: pool.identityPoolId }),
      ),
    ).resolves.toBeTruthy();
  });

  it('without backendCredentials, any signature is accepted (the documented default)', async () => {
    const { pool } = await start();
    await expect(
      client({ accessKeyId: 'any', secretAccessKey: 'any' }).send(tokenRequest(pool.identityPoolId)),
    ).resolves.toBeTruthy();
  });
});

describe('Host header and listening address', () => {
  /** GET of the JWKS with the given Host header (fetch cannot set Host; node:http can). */
  function withHost(host: string): Promise<{ status: number; type: string | undefined }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: emulator!.port,
          method: 'GET',
          path: '/.well-known/jwks.json',
          headers: { host },
          agent: false,
        },
        (incoming) => {
          incoming.resume();
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              type: incoming.headers['x-amzn-errortype'] as string | undefined,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  it('listens on 127.0.0.1 by default and serves only its own names', async () => {
    await start();
    expect(emulator!.endpoint).toBe(`http://127.0.0.1:${emulator!.port}`);
    expect(await withHost(`localhost:${emulator!.port}`)).toEqual({ status: 200, type: undefined });
    expect(await withHost('[::1]')).toEqual({ status: 200, type: undefined });
    expect(await withHost(`127.0.0.1:${emulator!.port}`)).toEqual({ status: 200, type: undefined });
    for (const foreign of [
      'evil.example',
      `evil.example:${emulator!.port}`,
      'localhost.evil.example',
      '127.0.0.1@evil',
    ]) {
      expect(await withHost(foreign), foreign).toEqual({ status: 403, type: 'ForbiddenException' });
    }
    expect(emulator!.requests.list().at(-1)).toMatchObject({ statusCode: 403, errorType: 'ForbiddenException' });
  });

  it('serves names listed in allowedHosts (e.g. when bound to every interface)', async () => {
    await start({ host: '0.0.0.0', allowedHosts: ['devbox.internal'] });
    expect(await withHost('devbox.internal:4566')).toEqual({ status: 200, type: undefined });
    expect(await withHost('DEVBOX.internal')).toEqual({ status: 200, type: undefined });
    expect(await withHost(`localhost:${emulator!.port}`)).toEqual({ status: 200, type: undefined });
    // The wildcard address itself is not a name anyone browses to.
    expect(await withHost(`0.0.0.0:${emulator!.port}`)).toEqual({ status: 403, type: 'ForbiddenException' });
    expect(await withHost('other.internal')).toEqual({ status: 403, type: 'ForbiddenException' });
  });
});
