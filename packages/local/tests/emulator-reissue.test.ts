import {
  type CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  MergeDeveloperIdentitiesCommand,
  NotAuthorizedException,
  UnlinkDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityPoolEmulator, type PoolDescription, startIdentityPoolEmulator } from '../src/index.js';
import { decodePayload, sdkClient, TestClock } from './helpers.js';

// GetOpenIdToken with a Cognito token in Logins re-issues a token for the same login. It must not let a client keep a
// session going past what the backend granted: a re-issued token never outlives the one it came from, and a token
// issued before UnlinkDeveloperIdentity re-issues nothing, even if the login is linked to the identity again.
const PROVIDER = 'login.reissue.test';
const LOGIN_KEY = 'cognito-identity.amazonaws.com';
const clock = new TestClock();
let emulator: IdentityPoolEmulator;
let client: CognitoIdentityClient;
let pool: PoolDescription;

beforeAll(async () => {
  emulator = await startIdentityPoolEmulator({ clock });
  client = sdkClient(emulator);
  pool = emulator.createPool({ developerProviderName: PROVIDER });
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

let counter = 0;
const newUser = () => `reissue-user-${++counter}`;

async function login(developerUserId: string, duration = 900) {
  const output = await client.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: pool.identityPoolId,
      Logins: { [PROVIDER]: developerUserId },
      PrincipalTags: { role: 'buyer' },
      TokenDuration: duration,
    }),
  );
  return { identityId: output.IdentityId!, token: output.Token! };
}

async function reissue(identityId: string, token?: string): Promise<string> {
  const output = await client.send(
    new GetOpenIdTokenCommand({ IdentityId: identityId, ...(token ? { Logins: { [LOGIN_KEY]: token } } : {}) }),
  );
  return output.Token!;
}

const credentials = (identityId: string, token: string) =>
  client.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: { [LOGIN_KEY]: token } }));

const unlink = (identityId: string, developerUserId: string) =>
  client.send(
    new UnlinkDeveloperIdentityCommand({
      IdentityId: identityId,
      IdentityPoolId: pool.identityPoolId,
      DeveloperProviderName: PROVIDER,
      DeveloperUserIdentifier: developerUserId,
    }),
  );

const merge = (source: string, destination: string) =>
  client.send(
    new MergeDeveloperIdentitiesCommand({
      SourceUserIdentifier: source,
      DestinationUserIdentifier: destination,
      DeveloperProviderName: PROVIDER,
      IdentityPoolId: pool.identityPoolId,
    }),
  );

const times = (token: string) => {
  const { iat, exp } = decodePayload(token) as { iat: number; exp: number };
  return { iat, exp };
};

describe('GetOpenIdToken from a Cognito token', () => {
  it('re-issues for 10 minutes while the presented token has longer left, with the same login and tags', async () => {
    const { identityId, token } = await login(newUser(), 3600);
    const reissued = await reissue(identityId, token);
    const { iat, exp } = times(reissued);
    expect(exp - iat).toBe(600);
    const original = decodePayload(token);
    expect(decodePayload(reissued)).toMatchObject({ sub: identityId, amr: original.amr, aud: pool.identityPoolId });
    expect(decodePayload(reissued)['https://aws.amazon.com/tags']).toEqual(original['https://aws.amazon.com/tags']);
  });

  it('caps a re-issued token at the presented token’s expiry, down a whole chain', async () => {
    const { identityId, token } = await login(newUser(), 120);
    const backendExpiry = times(token).exp;
    clock.advance(30);
    const second = await reissue(identityId, token);
    expect(times(second).exp).toBe(backendExpiry);
    clock.advance(60);
    const third = await reissue(identityId, second);
    expect(times(third)).toEqual({ iat: backendExpiry - 30, exp: backendExpiry });
    clock.advance(30);
    // The backend's 120 s are over: nothing in the chain is valid any more.
    for (const presented of [token, second, third]) {
      const refused = await reissue(identityId, presented).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(NotAuthorizedException);
      expect((refused as Error).message).toContain('expired');
      await expect(credentials(identityId, presented)).rejects.toBeInstanceOf(NotAuthorizedException);
    }
  });

  it('gives a guest (no Logins) a fresh 10-minute unauthenticated token each time', async () => {
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: pool.identityPoolId }));
    const first = await reissue(IdentityId!);
    clock.advance(590);
    const second = await reissue(IdentityId!);
    expect(times(second).exp - times(first).exp).toBe(590);
    expect(decodePayload(second).amr).toEqual(['unauthenticated']);
  });
});

describe('after UnlinkDeveloperIdentity', () => {
  it('refuses the unlinked login’s tokens for re-issue and for credentials', async () => {
    const user = newUser();
    const { identityId, token } = await login(user);
    const reissued = await reissue(identityId, token);
    clock.advance(1);
    await unlink(identityId, user);
    for (const presented of [token, reissued]) {
      const refused = await reissue(identityId, presented).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(NotAuthorizedException);
      expect((refused as Error).message).toBe("Logins don't match. The login is no longer linked to this identity.");
      await expect(credentials(identityId, presented)).rejects.toBeInstanceOf(NotAuthorizedException);
    }
  });

  it('keeps tokens from before the unlink dead when a merge links the login to the identity again', async () => {
    const [kept, moved] = [newUser(), newUser()];
    const home = await login(kept);
    await login(moved);
    await merge(moved, kept); // home now has both logins
    const old = await login(moved);
    expect(old.identityId).toBe(home.identityId);
    clock.advance(1);
    await unlink(home.identityId, moved);
    clock.advance(1);
    await login(moved); // a new identity for the unlinked login...
    await merge(moved, kept); // ...merged back into home
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, moved)).toBe(home.identityId);

    await expect(reissue(home.identityId, old.token)).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(credentials(home.identityId, old.token)).rejects.toBeInstanceOf(NotAuthorizedException);
    // The other login's token was never unlinked, and a token issued after the new link is good.
    await expect(reissue(home.identityId, home.token)).resolves.toBeTruthy();
    clock.advance(1);
    const fresh = await login(moved);
    expect(fresh.identityId).toBe(home.identityId);
    await expect(reissue(home.identityId, fresh.token)).resolves.toBeTruthy();
    await expect(credentials(home.identityId, fresh.token)).resolves.toBeTruthy();
  });

  it('refuses a token issued in the very second of the unlink (iat has one-second resolution)', async () => {
    const [kept, moved] = [newUser(), newUser()];
    const home = await login(kept);
    await login(moved);
    await merge(moved, kept);
    await unlink(home.identityId, moved);
    await login(moved);
    await merge(moved, kept);
    // Same second as the unlink: it cannot be told apart from a token issued just before it, so it is refused.
    const sameSecond = await login(moved);
    await expect(reissue(home.identityId, sameSecond.token)).rejects.toBeInstanceOf(NotAuthorizedException);
  });
});
