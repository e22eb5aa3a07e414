import {
  type CognitoIdentityClient,
  DeleteIdentitiesCommand,
  DescribeIdentityCommand,
  DeveloperUserAlreadyRegisteredException,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  LookupDeveloperIdentityCommand,
  MergeDeveloperIdentitiesCommand,
  NotAuthorizedException,
  ResourceConflictException,
  ResourceNotFoundException,
  UnlinkDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COGNITO_IDENTITY_ISSUER,
  type IdentityPoolEmulator,
  type PoolDescription,
  PRINCIPAL_TAGS_CLAIM,
  startIdentityPoolEmulator,
} from '../src/index.js';
import { decodePayload, sdkClient, TestClock } from './helpers.js';

const PROVIDER = 'login.example.test';
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

let userCounter = 0;
const newUser = () => `user-${++userCounter}-${Math.random().toString(36).slice(2)}`;

function login(
  developerUserId: string,
  options: { identityId?: string; tags?: Record<string, string>; duration?: number; poolId?: string } = {},
) {
  return client.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: options.poolId ?? pool.identityPoolId,
      IdentityId: options.identityId,
      Logins: { [PROVIDER]: developerUserId },
      PrincipalTags: options.tags,
      TokenDuration: options.duration,
    }),
  );
}

async function guest(poolId = pool.identityPoolId): Promise<string> {
  const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: poolId }));
  return IdentityId!;
}

const credentialsFor = (identityId: string, token?: string) =>
  client.send(
    new GetCredentialsForIdentityCommand({
      IdentityId: identityId,
      ...(token === undefined ? {} : { Logins: { 'cognito-identity.amazonaws.com': token } }),
    }),
  );

describe('developer identities and linking', () => {
  it('gives one stable identity per developer user, distinct across users', async () => {
    const alice = newUser();
    const first = await login(alice);
    const second = await login(alice);
    const other = await login(newUser());
    expect(first.IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(second.IdentityId).toBe(first.IdentityId);
    expect(other.IdentityId).not.toBe(first.IdentityId);
  });

  it('links a guest identity on login and keeps its IdentityId', async () => {
    const guestId = await guest();
    const user = newUser();
    const result = await login(user, { identityId: guestId });
    expect(result.IdentityId).toBe(guestId);
    expect((await login(user)).IdentityId).toBe(guestId);
    const described = await client.send(new DescribeIdentityCommand({ IdentityId: guestId }));
    expect(described.Logins).toEqual([PROVIDER]);
    expect(emulator.pools.identity(guestId)).toMatchObject({ developerUserIds: [user], authenticated: true });
  });

  it('refuses (by default) a developer user already linked to another identity', async () => {
    const user = newUser();
    const own = await login(user);
    const guestId = await guest();
    await expect(login(user, { identityId: guestId })).rejects.toBeInstanceOf(DeveloperUserAlreadyRegisteredException);
    expect(emulator.pools.identity(guestId)?.authenticated).toBe(false);
    expect((await login(user)).IdentityId).toBe(own.IdentityId);
  });

  it("with linkConflict 'merge' answers with the user's own identity and merges the guest into it", async () => {
    const merging = emulator.createPool({ developerProviderName: PROVIDER, linkConflict: 'merge' });
    const user = newUser();
    const own = await login(user, { poolId: merging.identityPoolId });
    const guestId = await guest(merging.identityPoolId);
    const result = await login(user, { poolId: merging.identityPoolId, identityId: guestId });
    expect(result.IdentityId).toBe(own.IdentityId);
    expect(emulator.pools.identity(guestId)).toBeUndefined();
  });

  it("does not let a login take over another user's authenticated identity (ResourceConflictException)", async () => {
    const victim = await login(newUser());
    await expect(login(newUser(), { identityId: victim.IdentityId })).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it('refuses an unknown IdentityId (ResourceNotFoundException)', async () => {
    await expect(
      login(newUser(), { identityId: 'us-east-1:00000000-0000-4000-8000-000000000000' }),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('looks up, unlinks (next login gets a new identity) and deletes identities', async () => {
    const user = newUser();
    const { IdentityId } = await login(user);
    const lookup = await client.send(
      new LookupDeveloperIdentityCommand({ IdentityPoolId: pool.identityPoolId, DeveloperUserIdentifier: user }),
    );
    expect(lookup).toMatchObject({ IdentityId, DeveloperUserIdentifierList: [user] });

    const unlink = new UnlinkDeveloperIdentityCommand({
      IdentityId,
      IdentityPoolId: pool.identityPoolId,
      DeveloperProviderName: PROVIDER,
      DeveloperUserIdentifier: user,
    });
    await client.send(unlink);
    await client.send(unlink); // Unlinking again is a no-op.
    await expect(
      client.send(
        new LookupDeveloperIdentityCommand({ IdentityPoolId: pool.identityPoolId, DeveloperUserIdentifier: user }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    // The unlinked identity is not a guest again.
    await expect(credentialsFor(IdentityId!)).rejects.toBeInstanceOf(NotAuthorizedException);

    const again = await login(user);
    expect(again.IdentityId).not.toBe(IdentityId);

    const deleted = await client.send(
      new DeleteIdentitiesCommand({ IdentityIdsToDelete: [again.IdentityId!, IdentityId!] }),
    );
    expect(deleted.UnprocessedIdentityIds).toEqual([]);
    expect(emulator.pools.identity(again.IdentityId!)).toBeUndefined();
    // Deleting unknown identities succeeds silently, like the service.
    await expect(
      client.send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [IdentityId!] })),
    ).resolves.toMatchObject({
      UnprocessedIdentityIds: [],
    });
    expect(emulator.pools.identityOfDeveloperUser(pool.identityPoolId, user)).toBeUndefined();
  });

  it('merges developer identities', async () => {
    const source = newUser();
    const destination = newUser();
    await login(source);
    const { IdentityId } = await login(destination);
    const merged = await client.send(
      new MergeDeveloperIdentitiesCommand({
        SourceUserIdentifier: source,
        DestinationUserIdentifier: destination,
        DeveloperProviderName: PROVIDER,
        IdentityPoolId: pool.identityPoolId,
      }),
    );
    expect(merged.IdentityId).toBe(IdentityId);
    expect((await login(source)).IdentityId).toBe(IdentityId);
  });
});

describe('tokens', () => {
  it('are RS512 JWTs shaped like Cognito tokens, verifiable against the JWKS', async () => {
    const user = newUser();
    const { IdentityId, Token } = await login(user, { tags: { role: 'seller' }, duration: 1234 });
    const jwks = createRemoteJWKSet(new URL(emulator.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(Token!, jwks, {
      issuer: COGNITO_IDENTITY_ISSUER,
      audience: pool.identityPoolId,
      currentDate: clock.now(),
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS512', typ: 'JWS' });
    expect(payload).toMatchObject({
      sub: IdentityId,
      amr: ['authenticated', PROVIDER, `${PROVIDER}:${pool.identityPoolId}:${user}`],
      [PRINCIPAL_TAGS_CLAIM]: { principal_tags: { role: ['seller'] } },
    });
    expect(payload.exp! - payload.iat!).toBe(1234);
    expect(payload.iat).toBe(Math.floor(clock.now().getTime() / 1000));
  });

  it('are announced as RS512 by the JWKS and the discovery document, and fail a verifier pinned to RS256', async () => {
    const { Token } = await login(newUser());
    const header = JSON.parse(Buffer.from(Token!.split('.')[0]!, 'base64url').toString('utf8'));
    const jwks = (await (await fetch(emulator.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toEqual([
      { kty: 'RSA', alg: 'RS512', use: 'sig', kid: header.kid, n: expect.any(String), e: 'AQAB' },
    ]);
    const discovery = (await (await fetch(`${emulator.endpoint}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({
      issuer: COGNITO_IDENTITY_ISSUER,
      jwks_uri: emulator.jwksUri,
      id_token_signing_alg_values_supported: ['RS512'],
    });
    await expect(
      jwtVerify(Token!, createRemoteJWKSet(new URL(emulator.jwksUri)), {
        algorithms: ['RS256'],
        currentDate: clock.now(),
      }),
    ).rejects.toThrow();
  });

  it('default to a 900 s duration and carry no tags claim without tags', async () => {
    const payload = decodePayload((await login(newUser())).Token!);
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);
    expect(payload).not.toHaveProperty(PRINCIPAL_TAGS_CLAIM);
  });

  it('GetOpenIdToken gives a guest an unauthenticated token', async () => {
    const guestId = await guest();
    const { Token } = await client.send(new GetOpenIdTokenCommand({ IdentityId: guestId }));
    const claims = await emulator.verifyToken(Token!);
    expect(claims).toMatchObject({ sub: guestId, aud: pool.identityPoolId, amr: ['unauthenticated'] });
  });
});

describe('GetCredentialsForIdentity', () => {
  it('issues remembered authenticated credentials for a valid token', async () => {
    const user = newUser();
    const { IdentityId, Token } = await login(user, { tags: { role: 'buyer' } });
    const { Credentials, IdentityId: returned } = await credentialsFor(IdentityId!, Token);
    expect(returned).toBe(IdentityId);
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(Credentials?.Expiration?.getTime()).toBe(Math.floor(clock.now().getTime() / 1000 + 3600) * 1000);
    const issued = emulator.credentials.lookup(Credentials!.AccessKeyId!);
    expect(issued).toMatchObject({
      secretAccessKey: Credentials!.SecretKey,
      sessionToken: Credentials!.SessionToken,
      identityId: IdentityId,
      identityPoolId: pool.identityPoolId,
      authenticationType: 'authenticated',
      authenticationProvider: `${PROVIDER},${PROVIDER}:${pool.identityPoolId}:${user}`,
      developerUserId: user,
      principalTags: { role: 'buyer' },
    });
  });

  it('issues unauthenticated credentials to a guest without logins', async () => {
    const guestId = await guest();
    const { Credentials } = await credentialsFor(guestId);
    expect(emulator.credentials.lookup(Credentials!.AccessKeyId!)).toMatchObject({
      identityId: guestId,
      authenticationType: 'unauthenticated',
      authenticationProvider: undefined,
      amr: ['unauthenticated'],
      principalTags: {},
    });
  });

  it('refuses an authenticated identity without logins', async () => {
    const { IdentityId } = await login(newUser());
    await expect(credentialsFor(IdentityId!)).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('refuses an expired token', async () => {
    const { IdentityId, Token } = await login(newUser(), { duration: 60 });
    clock.advance(61);
    const error = await credentialsFor(IdentityId!, Token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAuthorizedException);
    expect((error as Error).message).toContain('expired');
  });

  it('refuses a token for another audience', async () => {
    const { IdentityId, Token } = await login(newUser());
    const claims = decodePayload(Token!);
    const forged = await emulator.signToken({ ...claims, aud: 'us-east-1:11111111-1111-4111-8111-111111111111' });
    const error = await credentialsFor(IdentityId!, forged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAuthorizedException);
    expect((error as Error).message).toContain('audience');
  });

  it('refuses a tampered token', async () => {
    const { IdentityId, Token } = await login(newUser(), { tags: { role: 'buyer' } });
    const [header, payload, signature] = Token!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    claims[PRINCIPAL_TAGS_CLAIM].principal_tags.role = ['admin'];
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(credentialsFor(IdentityId!, tampered)).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('refuses a token whose sub is another identity', async () => {
    const first = await login(newUser());
    const second = await login(newUser());
    const error = await credentialsFor(second.IdentityId!, first.Token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAuthorizedException);
  });

  it('refuses a token of another emulator (unknown key)', async () => {
    const other = await startIdentityPoolEmulator();
    try {
      const { IdentityId } = await login(newUser());
      const forged = await other.signToken(decodePayload((await login(newUser())).Token!));
      await expect(credentialsFor(IdentityId!, forged)).rejects.toBeInstanceOf(NotAuthorizedException);
    } finally {
      await other.stop();
    }
  });

  it('refuses guests when the pool disallows them', async () => {
    const closed = emulator.createPool({ developerProviderName: PROVIDER, allowUnauthenticatedIdentities: false });
    await expect(guest(closed.identityPoolId)).rejects.toBeInstanceOf(NotAuthorizedException);
    // A logged-in user of that pool still gets credentials.
    const { IdentityId, Token } = await login(newUser(), { poolId: closed.identityPoolId });
    await expect(credentialsFor(IdentityId!, Token)).resolves.toBeTruthy();
  });

  it('refuses unknown identities (ResourceNotFoundException)', async () => {
    await expect(credentialsFor('us-east-1:00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});
