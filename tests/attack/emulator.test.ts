/**
 * The identity-pool emulator attacked the way a local service is: from a web page through DNS rebinding (a foreign
 * Host header), by a caller without the backend's AWS credentials (forged, stale or altered SigV4 on the developer
 * operations), and by a client keeping a session alive after the backend let go of it (re-issuing OpenID tokens from
 * OpenID tokens, before and after UnlinkDeveloperIdentity).
 */
import './support/log-capture.js';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  CognitoIdentityClient,
  type CognitoIdentityServiceException,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  LookupDeveloperIdentityCommand,
  MergeDeveloperIdentitiesCommand,
  UnlinkDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { ManualClock } from '@devauth/core/testing';
import { type IdentityPoolEmulator, type PoolDescription, startIdentityPoolEmulator } from '@devauth/local';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';
import { rawSend } from './support/raw-http.js';

const REGION = 'us-east-1';
const PROVIDER = 'login.attack.test';
const BACKEND = { accessKeyId: 'AKIABACKENDATTACK001', secretAccessKey: 'backend-secret-attack-8c1e7f0a9b' };
const LOGIN_KEY = 'cognito-identity.amazonaws.com';
rememberSecrets(BACKEND.secretAccessKey);

const clientFor = (emulator: IdentityPoolEmulator, credentials = BACKEND) =>
  new CognitoIdentityClient({ endpoint: emulator.endpoint, region: REGION, credentials, maxAttempts: 1 });

async function failure(promise: Promise<unknown>): Promise<CognitoIdentityServiceException> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as CognitoIdentityServiceException,
  );
  expect(outcome, 'expected the call to be refused').toBeDefined();
  return outcome!;
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat: number; exp: number };

describe('Host header: DNS-rebinding protection', () => {
  let emulator: IdentityPoolEmulator;
  let pool: PoolDescription;
  beforeAll(async () => {
    emulator = await startIdentityPoolEmulator({ region: REGION });
    pool = emulator.createPool({ developerProviderName: PROVIDER });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  const getId = (host: string) =>
    rawSend(emulator.endpoint, {
      method: 'POST',
      path: '/',
      headers: {
        host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityService.GetId',
      },
      body: JSON.stringify({ IdentityPoolId: pool.identityPoolId }),
    });

  it('listens on loopback by default', () => {
    expect(new URL(emulator.endpoint).hostname).toBe('127.0.0.1');
  });

  it('refuses an unsigned operation and the JWKS for a foreign Host, creating nothing', async () => {
    const port = emulator.port;
    for (const foreign of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`]) {
      const response = await getId(foreign);
      expect(response.status, foreign).toBe(403);
      expect(response.headers['x-amzn-errortype']).toBe('ForbiddenException');
      expect(response.json).toMatchObject({ __type: 'ForbiddenException' });
      const jwks = await rawSend(emulator.endpoint, {
        method: 'GET',
        path: '/.well-known/openid-configuration',
        headers: { host: foreign },
      });
      expect(jwks.status, foreign).toBe(403);
    }
    expect(emulator.pools.identities(pool.identityPoolId)).toEqual([]);
  });

  it('serves its own names: localhost, 127.0.0.1 and [::1]', async () => {
    for (const own of [`localhost:${emulator.port}`, `127.0.0.1:${emulator.port}`, `[::1]:${emulator.port}`]) {
      const response = await getId(own);
      expect(response.status, own).toBe(200);
    }
  });
});

describe('backendCredentials: SigV4 of the developer operations is verified', () => {
  let emulator: IdentityPoolEmulator;
  let pool: PoolDescription;
  beforeAll(async () => {
    emulator = await startIdentityPoolEmulator({ region: REGION, backendCredentials: BACKEND });
    pool = emulator.createPool({ developerProviderName: PROVIDER });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  const tokenCommand = (user: string) =>
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: pool.identityPoolId,
      Logins: { [PROVIDER]: user },
    });

  it('answers the backend that signs with the configured credentials', async () => {
    const client = clientFor(emulator);
    try {
      const { IdentityId, Token } = await client.send(tokenCommand('user-ok'));
      rememberSecrets(Token);
      expect(IdentityId).toMatch(/^us-east-1:/);
      // Unsigned operations need no credentials, as on AWS.
      const anonymous = clientFor(emulator, { accessKeyId: 'unknown', secretAccessKey: 'whatever-else' });
      await expect(anonymous.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId }))).resolves.toBeTruthy();
      anonymous.destroy();
    } finally {
      client.destroy();
    }
  });

  it('refuses a wrong secret (InvalidSignatureException) and an unknown key (UnrecognizedClientException), 400', async () => {
    const wrongSecret = clientFor(emulator, { ...BACKEND, secretAccessKey: 'not-the-backend-secret' });
    const unknownKey = clientFor(emulator, { accessKeyId: 'AKIASOMEONEELSE00001', secretAccessKey: 'attacker-secret' });
    try {
      const badSignature = await failure(wrongSecret.send(tokenCommand('user-forged')));
      expect(badSignature.name).toBe('InvalidSignatureException');
      expect(badSignature.$metadata.httpStatusCode).toBe(400);
      expect(badSignature.message).toMatch(
        /^The request signature we calculated does not match the signature you provided\./,
      );
      const unknown = await failure(unknownKey.send(tokenCommand('user-forged')));
      expect(unknown.name).toBe('UnrecognizedClientException');
      expect(unknown.$metadata.httpStatusCode).toBe(400);
      expect(unknown.message).toBe('The security token included in the request is invalid.');
      const lookup = await failure(
        unknownKey.send(
          new LookupDeveloperIdentityCommand({
            IdentityPoolId: pool.identityPoolId,
            DeveloperUserIdentifier: 'user-ok',
          }),
        ),
      );
      expect(lookup.name).toBe('UnrecognizedClientException');
    } finally {
      wrongSecret.destroy();
      unknownKey.destroy();
    }
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, 'user-forged')).toBeUndefined();
  });

  it('refuses a captured signed request replayed with another body, and a stale one', async () => {
    const signer = new SignatureV4({
      credentials: BACKEND,
      region: REGION,
      service: 'cognito-identity',
      sha256: Sha256,
    });
    const url = new URL(emulator.endpoint);
    const call = async (body: string, signedBody: string, signingDate = new Date()) => {
      const signed = await signer.sign(
        {
          method: 'POST',
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: '/',
          query: {},
          headers: {
            host: url.host,
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity',
          },
          body: signedBody,
        },
        { signingDate },
      );
      return rawSend(emulator.endpoint, { method: 'POST', path: '/', headers: signed.headers, body });
    };
    const body = (user: string) =>
      JSON.stringify({ IdentityPoolId: pool.identityPoolId, Logins: { [PROVIDER]: user } });

    const genuine = await call(body('user-replay'), body('user-replay'));
    expect(genuine.status).toBe(200);
    rememberSecrets((genuine.json as { Token: string }).Token);
    const altered = await call(body('user-victim'), body('user-replay'));
    expect(altered.status).toBe(400);
    expect(altered.json).toMatchObject({ __type: 'InvalidSignatureException' });
    const stale = await call(body('user-stale'), body('user-stale'), new Date(Date.now() - 10 * 60_000));
    expect(stale.status).toBe(400);
    expect(stale.json).toMatchObject({
      __type: 'InvalidSignatureException',
      message: expect.stringMatching(/^Signature expired:/),
    });
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, 'user-victim')).toBeUndefined();
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, 'user-stale')).toBeUndefined();
  });

  it('refuses a developer operation sent without a signature', async () => {
    const response = await rawSend(emulator.endpoint, {
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityService.UnlinkDeveloperIdentity',
      },
      body: JSON.stringify({}),
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});

describe('OpenID tokens cannot be re-issued past what the backend granted', () => {
  const clock = new ManualClock(new Date());
  let emulator: IdentityPoolEmulator;
  let pool: PoolDescription;
  let client: CognitoIdentityClient;
  beforeAll(async () => {
    emulator = await startIdentityPoolEmulator({ region: REGION, clock });
    pool = emulator.createPool({ developerProviderName: PROVIDER });
    client = clientFor(emulator);
  });
  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  const login = async (user: string, duration = 900) => {
    const output = await client.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: pool.identityPoolId,
        Logins: { [PROVIDER]: user },
        PrincipalTags: { role: 'seller' },
        TokenDuration: duration,
      }),
    );
    rememberSecrets(output.Token);
    return { identityId: output.IdentityId!, token: output.Token! };
  };
  const reissue = async (identityId: string, token: string) => {
    const output = await client.send(
      new GetOpenIdTokenCommand({ IdentityId: identityId, Logins: { [LOGIN_KEY]: token } }),
    );
    rememberSecrets(output.Token);
    return output.Token!;
  };
  const credentials = (identityId: string, token: string) =>
    client.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: { [LOGIN_KEY]: token } }));
  const unlink = (identityId: string, user: string) =>
    client.send(
      new UnlinkDeveloperIdentityCommand({
        IdentityId: identityId,
        IdentityPoolId: pool.identityPoolId,
        DeveloperProviderName: PROVIDER,
        DeveloperUserIdentifier: user,
      }),
    );

  it('a re-issued token never outlives the token it was issued from, so the chain ends', async () => {
    const { identityId, token } = await login('chain-user', 60);
    clock.advance(50);
    const second = await reissue(identityId, token);
    expect(claimsOf(second).exp).toBeLessThanOrEqual(claimsOf(token).exp);
    clock.advance(20); // past the backend's 60 s
    const expired = await failure(reissue(identityId, second));
    expect(expired.name).toBe('NotAuthorizedException');
    expect(expired.message).toContain('expired');
    expect((await failure(credentials(identityId, second))).name).toBe('NotAuthorizedException');
  });

  it('after UnlinkDeveloperIdentity the old token re-issues nothing', async () => {
    const { identityId, token } = await login('unlinked-user');
    clock.advance(1);
    await unlink(identityId, 'unlinked-user');
    expect((await failure(reissue(identityId, token))).name).toBe('NotAuthorizedException');
    expect((await failure(credentials(identityId, token))).name).toBe('NotAuthorizedException');
  });

  it('a token from before an unlink stays dead when the login is linked to the identity again (merge)', async () => {
    const first = await login('merge-a');
    const second = await login('merge-b');
    // merge-b joins merge-a's identity, so the identity keeps a login after merge-a is unlinked.
    await client.send(
      new MergeDeveloperIdentitiesCommand({
        SourceUserIdentifier: 'merge-b',
        DestinationUserIdentifier: 'merge-a',
        DeveloperProviderName: PROVIDER,
        IdentityPoolId: pool.identityPoolId,
      }),
    );
    expect([...(emulator.pools.identity(first.identityId)?.developerUserIds ?? [])].sort()).toEqual([
      'merge-a',
      'merge-b',
    ]);
    expect(emulator.pools.identity(second.identityId)).toBeUndefined();
    const before = (await login('merge-a')).token;
    clock.advance(1);
    await unlink(first.identityId, 'merge-a');
    clock.advance(1);
    // merge-a logs in again (a new identity), then is merged back into the identity it was unlinked from.
    await login('merge-a');
    await client.send(
      new MergeDeveloperIdentitiesCommand({
        SourceUserIdentifier: 'merge-a',
        DestinationUserIdentifier: 'merge-b',
        DeveloperProviderName: PROVIDER,
        IdentityPoolId: pool.identityPoolId,
      }),
    );
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, 'merge-a')).toBe(first.identityId);
    // The token issued before the unlink must not come back to life.
    expect((await failure(reissue(first.identityId, before))).name).toBe('NotAuthorizedException');
    expect((await failure(credentials(first.identityId, before))).name).toBe('NotAuthorizedException');
    // A token issued after the new link works.
    clock.advance(1);
    const fresh = await login('merge-a');
    expect(fresh.identityId).toBe(first.identityId);
    await expect(reissue(fresh.identityId, fresh.token)).resolves.toBeTruthy();
    await expect(credentials(fresh.identityId, fresh.token)).resolves.toBeTruthy();
  });
});

it('searched the output for the secrets it used (credentials, tokens)', () => {
  // The capture's afterAll proves none of them was written anywhere; that only means something if there are some.
  expect(rememberedSecretCount()).toBeGreaterThan(0);
});
