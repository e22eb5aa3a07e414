import {
  CognitoIdentityClient,
  CognitoIdentityServiceException,
  CreateIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  InternalErrorException,
  InvalidParameterException,
  ListIdentityPoolsCommand,
  NotAuthorizedException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityPoolEmulator, type PoolDescription, startIdentityPoolEmulator } from '../src/index.js';
import { rawCall, sdkClient } from './helpers.js';

let emulator: IdentityPoolEmulator;
let client: CognitoIdentityClient;
let pool: PoolDescription;
const USER = 'user-secret-7f3a9c';

beforeAll(async () => {
  emulator = await startIdentityPoolEmulator();
  client = sdkClient(emulator);
  pool = emulator.createPool({ developerProviderName: 'login.example.test' });
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

const tokenRequest = (overrides: Record<string, unknown> = {}) =>
  new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: pool.identityPoolId,
    Logins: { 'login.example.test': USER },
    ...overrides,
  });

async function failure(promise: Promise<unknown>): Promise<CognitoIdentityServiceException> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CognitoIdentityServiceException);
  return error as CognitoIdentityServiceException;
}

describe('validation (InvalidParameterException, raised by the SDK as its own class)', () => {
  it('refuses an identity pool id that does not match [\\w-]+:[0-9a-f-]+', async () => {
    const error = await failure(client.send(new GetIdCommand({ IdentityPoolId: 'not-a-pool-id' })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toContain("at 'identityPoolId' failed to satisfy constraint");
    const upper = await failure(client.send(new GetIdCommand({ IdentityPoolId: 'us-east-1:ABCDEF' })));
    expect(upper).toBeInstanceOf(InvalidParameterException);
  });

  it.each([0, 86_401, -5])('refuses TokenDuration %i', async (duration) => {
    const error = await failure(client.send(tokenRequest({ TokenDuration: duration })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toContain('tokenDuration');
  });

  it.each([1, 86_400])('accepts TokenDuration %i', async (duration) => {
    const output = await client.send(tokenRequest({ TokenDuration: duration }));
    expect(output.Token).toBeTruthy();
  });

  it('accepts 50 principal tags and refuses 51', async () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
    await expect(client.send(tokenRequest({ PrincipalTags: tags(50) }))).resolves.toBeTruthy();
    const error = await failure(client.send(tokenRequest({ PrincipalTags: tags(51) })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toContain('principalTags');
  });

  it('refuses tag keys over 128 and values over 256 characters, and empty values', async () => {
    for (const tags of [{ ['k'.repeat(129)]: 'v' }, { role: 'v'.repeat(257) }, { role: '' }]) {
      const error = await failure(client.send(tokenRequest({ PrincipalTags: tags })));
      expect(error).toBeInstanceOf(InvalidParameterException);
    }
    await expect(
      client.send(tokenRequest({ PrincipalTags: { ['k'.repeat(128)]: 'v'.repeat(256) } })),
    ).resolves.toBeTruthy();
  });

  it('refuses two providers in one call', async () => {
    const error = await failure(
      client.send(tokenRequest({ Logins: { 'login.example.test': USER, 'other.example.test': 'x' } })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).not.toContain(USER);
  });

  it("refuses a provider other than the pool's DeveloperProviderName", async () => {
    const error = await failure(client.send(tokenRequest({ Logins: { 'wrong.example.test': USER } })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toContain('DeveloperProviderName');
  });

  it('refuses a developer user identifier over 1024 characters, without echoing it', async () => {
    const long = `secret${'x'.repeat(1100)}`;
    const error = await failure(client.send(tokenRequest({ Logins: { 'login.example.test': long } })));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).not.toContain('secretxxx');
  });

  it('never echoes Logins values in validation messages', async () => {
    const error = await failure(
      client.send(tokenRequest({ IdentityPoolId: 'bad', Logins: { 'login.example.test': USER }, TokenDuration: 0 })),
    );
    expect(error.message).toMatch(/^2 validation errors detected/);
    expect(error.message).not.toContain(USER);
  });
});

describe('errors the SDK maps to the real exception classes', () => {
  it('ResourceNotFoundException for an unknown pool', async () => {
    const error = await failure(client.send(tokenRequest({ IdentityPoolId: 'us-east-1:00000000-dead-beef' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('NotAuthorizedException for guests in a pool that disallows them', async () => {
    const closed = emulator.createPool({ allowUnauthenticatedIdentities: false });
    const error = await failure(client.send(new GetIdCommand({ IdentityPoolId: closed.identityPoolId })));
    expect(error).toBeInstanceOf(NotAuthorizedException);
    expect(error.message).toBe('Unauthenticated access is not supported for this identity pool.');
  });

  it('injected TooManyRequestsException (400) and InternalErrorException (500)', async () => {
    emulator.faults.failNext('GetId', 'TooManyRequestsException');
    const throttled = await failure(client.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId })));
    expect(throttled).toBeInstanceOf(TooManyRequestsException);
    expect(throttled.$metadata.httpStatusCode).toBe(400);

    emulator.faults.failNext('GetId', 'InternalErrorException');
    const internal = await failure(client.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId })));
    expect(internal).toBeInstanceOf(InternalErrorException);
    expect(internal.$metadata.httpStatusCode).toBe(500);
    expect(emulator.faults.remaining()).toBe(0);
  });

  it('faults apply to their operation only, for the given count', async () => {
    emulator.faults.failNext('GetOpenIdTokenForDeveloperIdentity', 'LimitExceededException', 2);
    await expect(client.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId }))).resolves.toBeTruthy();
    await failure(client.send(tokenRequest()));
    await failure(client.send(tokenRequest()));
    await expect(client.send(tokenRequest())).resolves.toBeTruthy();
  });
});

describe('wire protocol', () => {
  it('answers errors with status, x-amzn-ErrorType and {__type, message}', async () => {
    const response = await rawCall(emulator, 'GetId', { IdentityPoolId: 'us-east-1:0000' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(response.json).toEqual({ __type: 'ResourceNotFoundException', message: expect.any(String) });
  });

  it('requires an Authorization header on SigV4 operations (MissingAuthenticationTokenException)', async () => {
    for (const operation of [
      'GetOpenIdTokenForDeveloperIdentity',
      'UnlinkDeveloperIdentity',
      'DeleteIdentities',
      'LookupDeveloperIdentity',
      'CreateIdentityPool',
      'DescribeIdentityPool',
    ]) {
      const response = await rawCall(emulator, operation, {});
      expect(response.status, operation).toBe(400);
      expect(response.json.__type, operation).toBe('MissingAuthenticationTokenException');
    }
    // GetId is an unsigned operation.
    const guest = await rawCall(emulator, 'GetId', { IdentityPoolId: pool.identityPoolId });
    expect(guest.status).toBe(200);
    expect(guest.json.IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
  });

  it('answers an unsigned SDK client with MissingAuthenticationTokenException', async () => {
    const anonymous = new CognitoIdentityClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
      signer: { sign: async (request) => request },
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    anonymous.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        delete request.headers.authorization;
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'stripAuthorization' },
    );
    const error = await failure(anonymous.send(tokenRequest()));
    expect(error.name).toBe('MissingAuthenticationTokenException');
    anonymous.destroy();
  });

  it('refuses unknown operations, malformed JSON and oversized bodies', async () => {
    const unknown = await rawCall(emulator, 'NoSuchOperation', {}, { Authorization: 'AWS4-HMAC-SHA256 x' });
    expect(unknown.json.__type).toBe('UnknownOperationException');
    const malformed = await rawCall(emulator, 'GetId', '{not json');
    expect(malformed.json.__type).toBe('SerializationException');
    const oversized = await rawCall(emulator, 'GetId', {
      IdentityPoolId: pool.identityPoolId,
      pad: 'x'.repeat(300_000),
    });
    expect(oversized.status).toBe(413);
    expect(oversized.json.__type).toBe('RequestEntityTooLargeException');
    // The server is still healthy.
    await expect(client.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId }))).resolves.toBeTruthy();
  });

  it('serves CreateIdentityPool, DescribeIdentityPool and ListIdentityPools', async () => {
    const created = await client.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'created via sdk',
        AllowUnauthenticatedIdentities: false,
        DeveloperProviderName: 'login.sdk.test',
      }),
    );
    expect(created.IdentityPoolId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    const described = await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: created.IdentityPoolId }));
    expect(described).toMatchObject({
      IdentityPoolName: 'created via sdk',
      AllowUnauthenticatedIdentities: false,
      DeveloperProviderName: 'login.sdk.test',
    });
    const listed = await client.send(new ListIdentityPoolsCommand({ MaxResults: 60 }));
    expect(listed.IdentityPools?.map((p) => p.IdentityPoolId)).toContain(created.IdentityPoolId);
    expect(emulator.pools.get(created.IdentityPoolId!)?.developerProviderName).toBe('login.sdk.test');
  });

  it('records requests per operation, without bodies', () => {
    expect(emulator.requests.count('GetId')).toBeGreaterThan(0);
    const entry = emulator.requests.list('GetOpenIdTokenForDeveloperIdentity')[0];
    expect(entry).toMatchObject({ operation: 'GetOpenIdTokenForDeveloperIdentity', signed: true });
    expect(JSON.stringify(emulator.requests.list())).not.toContain(USER);
  });
});
