/**
 * Privilege escalation attempts against the edge: self-registration into an invitation-only role, roles smuggled in
 * request fields, forged identity fields in API Gateway events, tampered and replayed SigV4 requests at the local
 * gateway, and reused refresh tokens. Every attempt must be refused (or have no effect), with the store showing it.
 */
import './support/log-capture.js';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { createCognitoIdentityBroker } from '@devauth/adapters-cognito';
import { createPostgresStores, fromPGlite, migrate } from '@devauth/adapters-postgres';
import { digestSecretToken, mintRefreshToken, type RefreshTokenStore, type UserStore } from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker, ManualClock } from '@devauth/core/testing';
import type { ApiGatewayProxyEvent } from '@devauth/lambda-handlers';
import { createGuard, defineAccessTable } from '@devauth/lambda-handlers/access';
import {
  type IdentityPoolEmulator,
  type LocalGateway,
  startIdentityPoolEmulator,
  startLocalGateway,
} from '@devauth/local';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Credentials,
  request as gatewayRequest,
  type PlainRequest as SignableRequest,
  send as sendToGateway,
  sign as signRequest,
} from '../../packages/local/tests/gateway/helpers.js';
import { ATTACK_FULL } from './support/attack-config.js';
import {
  type AttackStores,
  createAttackApp,
  newPassword,
  POOL_ID,
  parse,
  rememberSession,
  VERSIONS,
  v1Event,
  v2Event,
} from './support/auth-app.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

const memoryStores = createInMemoryStores;

function memoryApp() {
  const stores = memoryStores();
  const broker = new FakeIdentityBroker({ identityPoolId: POOL_ID });
  return { ...createAttackApp(stores, broker), stores, broker };
}

type MemoryApp = ReturnType<typeof memoryApp>;
type MakeEvent = (typeof VERSIONS)[number]['event'];

async function rememberHash(users: UserStore, username: string): Promise<void> {
  rememberSecrets((await users.findByUsername(username))?.passwordHash);
}

/** Registers and logs in a user; an invitation is created for roles other than shopper. */
async function signUp(app: MemoryApp, make: MakeEvent, username: string, role = 'shopper') {
  const password = newPassword(username);
  let invitationCode: string | undefined;
  if (role !== 'shopper') {
    invitationCode = (await app.devauth.createInvitation.execute({ role })).code;
    rememberSecrets(invitationCode);
  }
  const registered = await app.handlers.register(
    make({
      path: '/auth/register',
      body: { username, password, ...(role === 'shopper' ? {} : { role, invitationCode }) },
    }),
  );
  expect(registered.statusCode).toBe(201);
  await rememberHash(app.stores.users, username);
  const login = parse(await app.handlers.login(make({ body: { username, password } })));
  rememberSession(login);
  return { password, identityId: login.identityId as string, refreshToken: login.refreshToken as string };
}

describe.each(VERSIONS)('self-registration into an invitation-only role ($name)', ({ event: make }) => {
  it('seller without an invitation: 403 ROLE_NOT_ALLOWED, and no user is created', async () => {
    const app = memoryApp();
    const password = newPassword('sam');
    const result = await app.handlers.register(
      make({ path: '/auth/register', body: { username: 'sam', password, role: 'seller' } }),
    );
    expect(result.statusCode).toBe(403);
    expect(parse(result)).toEqual({
      error: { code: 'ROLE_NOT_ALLOWED', message: 'Role "seller" cannot be assigned here (invitation required).' },
    });
    expect(app.stores.users.size).toBe(0);
    expect(await app.stores.users.findByUsername('sam')).toBeNull();
    // The name is still free: the refusal reserved nothing.
    expect(
      (await app.handlers.register(make({ path: '/auth/register', body: { username: 'sam', password } }))).statusCode,
    ).toBe(201);
    await rememberHash(app.stores.users, 'sam');
    expect((await app.stores.users.findByUsername('sam'))?.role).toBe('shopper');
  });

  it('forged, misused, reused and look-alike invitations and roles are refused, creating nobody', async () => {
    const app = memoryApp();
    const password = newPassword('mallory');
    const shopperInvitation = (await app.devauth.createInvitation.execute({ role: 'shopper' })).code;
    const sellerInvitation = (await app.devauth.createInvitation.execute({ role: 'seller' })).code;
    rememberSecrets(shopperInvitation, sellerInvitation);
    const forged = `inv_${'A'.repeat(43)}`;
    rememberSecrets(forged);
    const attempts: Array<{ body: Record<string, unknown>; reason: string }> = [
      { body: { role: 'seller', invitationCode: forged }, reason: 'invitation invalid' },
      { body: { role: 'seller', invitationCode: 'not-an-invitation' }, reason: 'invitation invalid' },
      { body: { role: 'seller', invitationCode: shopperInvitation }, reason: 'invitation invalid' },
      { body: { role: 'guest' }, reason: 'reserved role' },
      // admin is a configured role now, and self-registration can never have it: not without an admin's invitation.
      { body: { role: 'admin' }, reason: 'invitation required' },
      { body: { role: 'Seller' }, reason: 'unknown role' },
      { body: { role: 'seller ' }, reason: 'unknown role' },
      // Cyrillic "е": looks like seller, is not.
      { body: { role: 'sеller' }, reason: 'unknown role' },
    ];
    for (const [index, { body, reason }] of attempts.entries()) {
      const result = await app.handlers.register(
        make({ path: '/auth/register', body: { username: `mallory${index}`, password, ...body } }),
      );
      expect(result.statusCode, JSON.stringify(body)).toBe(403);
      expect(parse(result)).toMatchObject({
        error: { code: 'ROLE_NOT_ALLOWED', message: expect.stringContaining(`(${reason})`) },
      });
    }
    expect(app.stores.users.size).toBe(0);

    // A real seller invitation works once; the second use is refused and creates nobody.
    const first = await app.handlers.register(
      make({
        path: '/auth/register',
        body: { username: 'sam', password, role: 'seller', invitationCode: sellerInvitation },
      }),
    );
    expect(first.statusCode).toBe(201);
    await rememberHash(app.stores.users, 'sam');
    const again = await app.handlers.register(
      make({
        path: '/auth/register',
        body: { username: 'sam2', password, role: 'seller', invitationCode: sellerInvitation },
      }),
    );
    expect(again.statusCode).toBe(403);
    expect(app.stores.users.size).toBe(1);
  });
});

describe.each(VERSIONS)('roles smuggled in request fields ($name)', ({ event: make }) => {
  const smuggled: Array<[string, Record<string, unknown>]> = [
    ['roles', { roles: ['seller'] }],
    ['principalTags', { principalTags: { role: 'seller' } }],
    ['isAdmin', { isAdmin: true }],
    ['isAdministrator', { isAdministrator: true }],
    ['actor', { actor: { isAdministrator: true } }],
    ['nested profile', { profile: { role: 'seller' } }],
    ['nested user', { user: { role: 'seller' } }],
    ['constructor', { constructor: { prototype: { role: 'seller' } } }],
  ];

  it.each(smuggled)('register with %s: 400 (strict schema), nothing created', async (_name, extra) => {
    const app = memoryApp();
    const result = await app.handlers.register(
      make({ path: '/auth/register', body: { username: 'eve', password: newPassword('eve'), ...extra } }),
    );
    expect(result.statusCode).toBe(400);
    const body = parse(result) as { error: { code: string; issues: Array<{ code: string }> } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues).toContainEqual(expect.objectContaining({ code: 'unrecognized_keys' }));
    expect(app.stores.users.size).toBe(0);
  });

  it('register with role of the wrong type (array, object, number): 400, nothing created', async () => {
    const app = memoryApp();
    for (const role of [['seller'], { name: 'seller' }, 1, true, null]) {
      const result = await app.handlers.register(
        make({ path: '/auth/register', body: { username: 'eve', password: newPassword('eve'), role } }),
      );
      expect(result.statusCode, JSON.stringify(role)).toBe(400);
    }
    expect(app.stores.users.size).toBe(0);
  });

  it('register with __proto__ carrying a role (raw JSON): refused, and no prototype is polluted', async () => {
    const app = memoryApp();
    const password = newPassword('eve');
    const rawBody = `{"username":"eve","password":${JSON.stringify(password)},"__proto__":{"role":"seller","isAdministrator":true}}`;
    const result = await app.handlers.register(make({ path: '/auth/register', rawBody }));
    // JSON.parse makes `__proto__` an own key; the strict schema then refuses it as unknown.
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ code: 'unrecognized_keys' })] },
    });
    expect(app.stores.users.size).toBe(0);
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdministrator).toBeUndefined();
  });

  it('duplicate JSON keys: the last one counts, and a last "seller" is refused like any uninvited seller', async () => {
    const app = memoryApp();
    const password = JSON.stringify(newPassword('dup'));
    const sellerLast = await app.handlers.register(
      make({
        path: '/auth/register',
        rawBody: `{"username":"dup1","password":${password},"role":"shopper","role":"seller"}`,
      }),
    );
    expect(sellerLast.statusCode).toBe(403);
    expect(parse(sellerLast)).toMatchObject({ error: { code: 'ROLE_NOT_ALLOWED' } });
    expect(await app.stores.users.findByUsername('dup1')).toBeNull();

    const shopperLast = await app.handlers.register(
      make({
        path: '/auth/register',
        rawBody: `{"username":"dup2","password":${password},"role":"seller","role":"shopper"}`,
      }),
    );
    expect(shopperLast.statusCode).toBe(201);
    await rememberHash(app.stores.users, 'dup2');
    expect((await app.stores.users.findByUsername('dup2'))?.role).toBe('shopper');
    expect(app.stores.users.size).toBe(1);
  });

  it('query string and headers naming a role are ignored: the user is a shopper and so is its principal tag', async () => {
    const app = memoryApp();
    const password = newPassword('quinn');
    const forgedHeaders = {
      'x-devauth-role': 'seller',
      'x-amz-principal-tags': 'role=seller',
      'x-role': 'seller',
      'x-forwarded-user': 'admin',
      'x-amz-cognito-identity-id': 'us-east-1:99999999-9999-4999-8999-999999999999',
    };
    const forgedQuery = { role: 'seller', isAdministrator: 'true', principalTags: 'role=seller' };
    const registered = await app.handlers.register(
      make({
        path: '/auth/register',
        body: { username: 'quinn', password },
        headers: forgedHeaders,
        query: forgedQuery,
      }),
    );
    expect(registered.statusCode).toBe(201);
    expect(parse(registered)).toMatchObject({ user: { role: 'shopper' } });
    await rememberHash(app.stores.users, 'quinn');
    expect((await app.stores.users.findByUsername('quinn'))?.role).toBe('shopper');

    const login = await app.handlers.login(
      make({ body: { username: 'quinn', password }, headers: forgedHeaders, query: forgedQuery }),
    );
    expect(login.statusCode).toBe(200);
    const session = parse(login);
    rememberSession(session);
    expect(session.role).toBe('shopper');
    expect(app.broker.calls).toHaveLength(1);
    expect(app.broker.calls[0]!.principalTags).toEqual({ role: 'shopper' });
    expect(app.broker.verify(session.openIdToken as string)?.['https://aws.amazon.com/tags']).toEqual({
      principal_tags: { role: ['shopper'] },
    });

    const refreshed = await app.handlers.refresh(
      make({
        path: '/auth/refresh',
        body: { refreshToken: session.refreshToken },
        headers: forgedHeaders,
        query: forgedQuery,
      }),
    );
    expect(refreshed.statusCode).toBe(200);
    rememberSession(parse(refreshed));
    expect(parse(refreshed).role).toBe('shopper');
    expect(app.broker.calls.at(-1)!.principalTags).toEqual({ role: 'shopper' });
  });

  it('login bodies with role fields are refused (400) before any lookup or token exchange', async () => {
    const app = memoryApp();
    const password = newPassword('lena');
    expect(
      (await app.handlers.register(make({ path: '/auth/register', body: { username: 'lena', password } }))).statusCode,
    ).toBe(201);
    await rememberHash(app.stores.users, 'lena');
    const extras: Record<string, unknown>[] = [
      { role: 'seller' },
      { roles: ['seller'] },
      { principalTags: { role: 'seller' } },
      { isAdmin: true },
      { identityId: 'us-east-1:99999999-9999-4999-8999-999999999999' },
      { developerUserId: 'someone-else' },
      { tokenDurationSeconds: 86_400 },
    ];
    for (const extra of extras) {
      const result = await app.handlers.login(make({ body: { username: 'lena', password, ...extra } }));
      expect(result.statusCode, JSON.stringify(extra)).toBe(400);
      expect(parse(result)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const proto = await app.handlers.login(
      make({ rawBody: `{"username":"lena","password":${JSON.stringify(password)},"__proto__":{"role":"seller"}}` }),
    );
    expect(proto.statusCode).toBe(400);
    const duplicate = await app.handlers.login(
      make({ rawBody: `{"username":"lena","password":${JSON.stringify(password)},"role":"seller","role":"shopper"}` }),
    );
    expect(duplicate.statusCode).toBe(400);
    expect(app.broker.calls).toHaveLength(0);
    expect((await app.stores.users.findByUsername('lena'))?.role).toBe('shopper');
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Forged identity fields: only the fields API Gateway itself fills for AWS_IAM routes may name the caller.
// v1: requestContext.identity.{cognitoIdentityId, cognitoIdentityPoolId, cognitoAuthenticationType}
// v2: requestContext.authorizer.iam.cognitoIdentity.{identityId, identityPoolId, amr}

// biome-ignore lint/suspicious/noExplicitAny: a forged event is mutated freely, in places no type would allow.
type Forgeable = Record<string, any>;

type Identity = { identityId: string; authenticated: boolean; poolId?: string } | null;

function iamEvent(version: 1 | 2, identity: Identity, forge: (event: Forgeable) => void = () => {}) {
  const event = (
    version === 1 ? v1Event({ method: 'GET', path: '/me' }) : v2Event({ method: 'GET', path: '/me' })
  ) as Forgeable;
  const poolId = identity?.poolId ?? POOL_ID;
  if (version === 1) {
    Object.assign(event.requestContext.identity, {
      cognitoIdentityId: identity?.identityId ?? null,
      cognitoIdentityPoolId: identity ? poolId : null,
      cognitoAuthenticationType: identity ? (identity.authenticated ? 'authenticated' : 'unauthenticated') : null,
      userArn: identity
        ? 'arn:aws:sts::123456789012:assumed-role/devauth-authenticated/CognitoIdentityCredentials'
        : null,
    });
  } else {
    event.requestContext.authorizer = {
      iam: {
        accessKey: 'ASIAXMPLEXAMPLE',
        accountId: '123456789012',
        userArn: 'arn:aws:sts::123456789012:assumed-role/devauth-authenticated/CognitoIdentityCredentials',
        cognitoIdentity: identity
          ? {
              amr: identity.authenticated ? ['authenticated', 'login.devauth.test'] : ['unauthenticated'],
              identityId: identity.identityId,
              identityPoolId: poolId,
            }
          : null,
      },
    };
  }
  forge(event);
  return event as unknown as ApiGatewayProxyEvent;
}

/** Every place a client (or a misconfigured authorizer) could put another caller's identity. */
function forgeries(victimId: string): Array<[string, (event: Forgeable) => void]> {
  const claims = { sub: victimId, 'cognito:identityId': victimId, role: 'seller', 'custom:role': 'seller' };
  return [
    [
      'headers',
      (e) => {
        Object.assign(e.headers, {
          'x-amz-cognito-identity-id': victimId,
          'cognito-identity-id': victimId,
          'x-identity-id': victimId,
          'x-devauth-role': 'seller',
        });
      },
    ],
    ['body', (e) => (e.body = JSON.stringify({ identityId: victimId, cognitoIdentityId: victimId, role: 'seller' }))],
    [
      'query',
      (e) => {
        e.queryStringParameters = { identityId: victimId, role: 'seller' };
        e.rawQueryString = `identityId=${encodeURIComponent(victimId)}&role=seller`;
      },
    ],
    [
      'a Lambda/JWT authorizer object',
      (e) => {
        e.requestContext.authorizer = {
          ...e.requestContext.authorizer,
          principalId: victimId,
          cognitoIdentityId: victimId,
          claims,
          lambda: { identityId: victimId, role: 'seller' },
          jwt: { claims, scopes: ['admin'] },
        };
      },
    ],
    [
      'the other payload version’s identity field',
      (e) => {
        if (e.version === '2.0') {
          e.requestContext.identity = {
            cognitoIdentityId: victimId,
            cognitoIdentityPoolId: POOL_ID,
            cognitoAuthenticationType: 'authenticated',
          };
        } else {
          e.requestContext.authorizer = {
            ...e.requestContext.authorizer,
            iam: { cognitoIdentity: { amr: ['authenticated'], identityId: victimId, identityPoolId: POOL_ID } },
          };
        }
      },
    ],
    [
      'pathParameters and stageVariables',
      (e) => {
        e.pathParameters = { identityId: victimId };
        e.stageVariables = { identityId: victimId, role: 'seller' };
      },
    ],
  ];
}

describe.each(VERSIONS)('forged identity fields on the IAM route `me` ($name)', ({ event: make, version }) => {
  let app: MemoryApp;
  let alice: Awaited<ReturnType<typeof signUp>>;
  let bob: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    app = memoryApp();
    alice = await signUp(app, make, 'alice');
    bob = await signUp(app, make, 'bob', 'seller');
  });

  it('the genuine IAM identity is answered as itself', async () => {
    const me = await app.handlers.me(iamEvent(version, { identityId: alice.identityId, authenticated: true }));
    expect(me.statusCode).toBe(200);
    expect(parse(me)).toMatchObject({
      kind: 'user',
      role: 'shopper',
      identityId: alice.identityId,
      user: { username: 'alice' },
    });
  });

  /** The forgeries by name (the victim's id is only known once the users exist). */
  const FORGERY_NAMES = forgeries('us-east-1:00000000-0000-4000-8000-000000000001').map(([name]) => name);
  const forgery = (name: string) => forgeries(bob.identityId).find(([each]) => each === name)!;

  it.each(FORGERY_NAMES)(
    'forged identity in %s, next to a genuine identity: ignored, the caller stays alice',
    async (forgeryName) => {
      const [name, forge] = forgery(forgeryName);
      const me = await app.handlers.me(iamEvent(version, { identityId: alice.identityId, authenticated: true }, forge));
      expect(me.statusCode, name).toBe(200);
      expect(parse(me), name).toMatchObject({ kind: 'user', role: 'shopper', identityId: alice.identityId });
      expect(me.body).not.toContain(bob.identityId);
    },
  );

  it.each(FORGERY_NAMES)('forged identity in %s, on an unsigned request: refused with 401', async (forgeryName) => {
    const [name, forge] = forgery(forgeryName);
    const me = await app.handlers.me(iamEvent(version, null, forge));
    expect(me.statusCode, name).toBe(401);
    expect(parse(me)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(me.body).not.toContain(bob.identityId);
  });

  it('a guest (unauthenticated) identity naming the seller is a guest, not the seller', async () => {
    const me = await app.handlers.me(iamEvent(version, { identityId: bob.identityId, authenticated: false }));
    expect(me.statusCode).toBe(200);
    expect(parse(me)).toEqual({ kind: 'guest', role: 'guest', identityId: bob.identityId });
  });

  it('identities of another pool, malformed ids and injection strings are refused (401)', async () => {
    const otherPool = 'us-east-1:0000dead-beef-4000-8000-000000000000';
    const cases: Identity[] = [
      { identityId: bob.identityId, authenticated: true, poolId: otherPool },
      { identityId: `${bob.identityId} `, authenticated: true },
      { identityId: `${bob.identityId}\u0000`, authenticated: true },
      { identityId: "us-east-1:' OR '1'='1", authenticated: true },
      { identityId: `us-east-1:${'a'.repeat(60)}`, authenticated: true },
      { identityId: bob.identityId, authenticated: true, poolId: 'not a pool' },
    ];
    for (const identity of cases) {
      const me = await app.handlers.me(iamEvent(version, identity));
      expect(me.statusCode, JSON.stringify(identity)).toBe(401);
    }
  });

  it('an authenticated identity with no user is refused (403), whatever the event claims besides', async () => {
    const stranger = 'us-east-1:12345678-1234-4234-8234-123456789abc';
    const [, forge] = forgery('a Lambda/JWT authorizer object');
    const me = await app.handlers.me(iamEvent(version, { identityId: stranger, authenticated: true }, forge));
    expect(me.statusCode).toBe(403);
    expect(parse(me)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('the in-Lambda guard of a seller-only route refuses the shopper whatever the event claims besides', async () => {
    const table = defineAccessTable([{ method: 'POST', path: '/products', roles: ['seller'] }]);
    const guard = createGuard({ table, users: app.stores.users, identityPoolId: POOL_ID, cacheTtlSeconds: 0 });
    const route = { method: 'POST', path: '/products' };
    for (const [name, forge] of forgeries(bob.identityId)) {
      const decision = await guard.authorize(
        iamEvent(version, { identityId: alice.identityId, authenticated: true }, forge),
        route,
      );
      expect(decision, name).toMatchObject({ allowed: false, statusCode: 403, caller: { role: 'shopper' } });
    }
    expect(
      await guard.authorize(iamEvent(version, { identityId: bob.identityId, authenticated: true }), route),
    ).toMatchObject({ allowed: true, caller: { role: 'seller' } });
  });

  it('refresh and logout take the session from the token only, never from identity fields of the event', async () => {
    const forged = (body: unknown, path: string) => {
      const event = iamEvent(
        version,
        { identityId: bob.identityId, authenticated: true },
        forgery('headers')[1],
      ) as unknown as Forgeable;
      const template = make({ path, body });
      event.body = template.body;
      if (version === 1) Object.assign(event, { path, resource: path, httpMethod: 'POST' });
      else
        Object.assign(
          event,
          { rawPath: path, routeKey: `POST ${path}` },
          { requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'POST', path } } },
        );
      return event as unknown as ApiGatewayProxyEvent;
    };
    const session = parse(await app.handlers.login(make({ body: { username: 'alice', password: alice.password } })));
    rememberSession(session);
    const refreshed = await app.handlers.refresh(forged({ refreshToken: session.refreshToken }, '/auth/refresh'));
    expect(refreshed.statusCode).toBe(200);
    const next = parse(refreshed);
    rememberSession(next);
    expect(next).toMatchObject({ identityId: alice.identityId, role: 'shopper' });
    expect(app.broker.calls.at(-1)).toMatchObject({ principalTags: { role: 'shopper' }, identityId: alice.identityId });

    // Logout in bob's (forged) name revokes alice's session only: bob's own token keeps working.
    expect((await app.handlers.logout(forged({ refreshToken: next.refreshToken }, '/auth/logout'))).statusCode).toBe(
      204,
    );
    expect((await app.stores.refreshTokens.find(digestSecretToken(next.refreshToken as string)))?.status).toBe(
      'revoked',
    );
    const bobs = await app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken: bob.refreshToken } }));
    expect(bobs.statusCode).toBe(200);
    bob = { ...bob, refreshToken: parse(bobs).refreshToken as string };
    rememberSession(parse(bobs));
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// SigV4 at the local gateway, with real temporary credentials from the identity-pool emulator.

const REGION = 'us-east-1';
const PROVIDER = 'login.attack.test';
const MISMATCH = /^The request signature we calculated does not match the signature you provided\./;
const INVALID_TOKEN = 'The security token included in the request is invalid.';

describe('SigV4 at the local gateway', () => {
  const clock = new ManualClock(new Date());
  let emulator: IdentityPoolEmulator;
  let gateway: LocalGateway;
  let alice: Credentials & { identityId: string };
  let bob: Credentials & { identityId: string };
  const seen: unknown[] = [];

  beforeAll(async () => {
    emulator = await startIdentityPoolEmulator({ region: REGION, clock });
    const pool = emulator.createPool({ developerProviderName: PROVIDER });
    const stores = memoryStores();
    const broker = createCognitoIdentityBroker({
      identityPoolId: pool.identityPoolId,
      developerProviderName: PROVIDER,
      clientConfig: {
        endpoint: emulator.endpoint,
        region: REGION,
        credentials: { accessKeyId: 'backend', secretAccessKey: 'backend-secret' },
      },
    });
    const app = createAttackApp(stores, broker, { identityPoolId: pool.identityPoolId });
    const table = defineAccessTable([
      { method: 'GET', path: '/me', roles: ['guest', 'shopper', 'seller'] },
      { method: 'GET', path: '/rest/me', roles: ['guest', 'shopper', 'seller'] },
      { method: 'POST', path: '/products', roles: ['seller'] },
      { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'] },
    ]);
    const guard = createGuard({ table, users: stores.users, identityPoolId: pool.identityPoolId, cacheTtlSeconds: 0 });
    const guarded = async (event: unknown) => {
      seen.push(event);
      const decision = await guard.authorize(event);
      if (!decision.allowed)
        return { statusCode: decision.statusCode, body: JSON.stringify({ reason: decision.reason }) };
      return { statusCode: 200, body: JSON.stringify({ caller: decision.caller }) };
    };
    gateway = await startLocalGateway({
      region: REGION,
      emulator,
      clock,
      accessTable: table,
      identityPoolId: pool.identityPoolId,
      routes: [
        { method: 'POST', path: '/auth/register', payload: 'v2', auth: 'NONE', handler: app.handlers.register },
        { method: 'POST', path: '/auth/login', payload: 'v2', auth: 'NONE', handler: app.handlers.login },
        { method: 'GET', path: '/me', payload: 'v2', auth: 'AWS_IAM', handler: app.handlers.me },
        { method: 'GET', path: '/rest/me', payload: 'v1', auth: 'AWS_IAM', handler: app.handlers.me },
        { method: 'POST', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: guarded },
        { method: 'GET', path: '/products', payload: 'v2', auth: 'AWS_IAM', handler: guarded },
      ],
    });
    const invitation = (await app.devauth.createInvitation.execute({ role: 'seller' })).code;
    rememberSecrets(invitation);
    alice = await credentialsFor('alice');
    bob = await credentialsFor('bob', { role: 'seller', invitationCode: invitation });
    await rememberHash(stores.users, 'alice');
    await rememberHash(stores.users, 'bob');
  });

  afterAll(async () => {
    await gateway?.stop();
    await emulator?.stop();
  });

  /** Register and log in through the gateway, then trade the OpenID token for AWS credentials as a client does. */
  async function credentialsFor(username: string, extra: Record<string, string> = {}) {
    const password = newPassword(username);
    const post = (path: string, body: unknown) =>
      fetch(`${gateway.endpoint}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/auth/register', { username, password, ...extra })).status).toBe(201);
    const session = (await (await post('/auth/login', { username, password })).json()) as Record<string, string>;
    rememberSession(session);
    const client = new CognitoIdentityClient({
      endpoint: emulator.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const { Credentials: issued } = await client.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: session.identityId,
          Logins: { 'cognito-identity.amazonaws.com': session.openIdToken! },
        }),
      );
      const credentials = {
        accessKeyId: issued!.AccessKeyId!,
        secretAccessKey: issued!.SecretKey!,
        sessionToken: issued!.SessionToken!,
        identityId: session.identityId!,
      };
      rememberSecrets(credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken);
      return credentials;
    } finally {
      client.destroy();
    }
  }

  // The local package's own gateway test helpers (SDK signer, SDK-style query encoding); signing dates come from the
  // gateway's manual clock, and bodies here are JSON.
  const plain = (
    method: string,
    path: string,
    init: { query?: Record<string, string>; headers?: Record<string, string>; body?: string } = {},
  ): SignableRequest =>
    gatewayRequest(gateway, method, path, {
      ...init,
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    });
  const sign = (credentials: Credentials, request: SignableRequest, signingDate = clock.now()) =>
    signRequest(credentials, request, { signingDate });
  const send = async (request: SignableRequest): Promise<{ status: number; json: Forgeable }> => {
    const { status, json } = await sendToGateway(gateway, request);
    return { status, json: (json ?? {}) as Forgeable };
  };

  it('a genuine signed request reaches the handler as its own caller (both payload versions)', async () => {
    const v2 = await send(await sign(alice, plain('GET', '/me')));
    expect(v2).toMatchObject({ status: 200, json: { kind: 'user', role: 'shopper', identityId: alice.identityId } });
    const v1 = await send(await sign(bob, plain('GET', '/rest/me')));
    expect(v1).toMatchObject({ status: 200, json: { kind: 'user', role: 'seller', identityId: bob.identityId } });
    const sellerRoute = await send(await sign(bob, plain('POST', '/products', { body: '{"price":10}' })));
    expect(sellerRoute).toMatchObject({
      status: 200,
      json: { caller: { role: 'seller', identityId: bob.identityId } },
    });
  });

  it('a shopper is refused the seller route by IAM (403), signed identity headers naming the seller notwithstanding', async () => {
    const forged = plain('POST', '/products', {
      body: '{"price":10}',
      headers: { 'x-amz-cognito-identity-id': bob.identityId, 'x-devauth-role': 'seller' },
    });
    const response = await send(await sign(alice, forged));
    expect(response.status).toBe(403);
    expect(response.json.message).toMatch(/is not authorized to perform: execute-api:Invoke/);
    // On a route the shopper may call, the same signed headers do not change who the caller is.
    const me = await send(
      await sign(alice, plain('GET', '/me', { headers: { 'x-amz-cognito-identity-id': bob.identityId } })),
    );
    expect(me).toMatchObject({ status: 200, json: { identityId: alice.identityId, role: 'shopper' } });
  });

  it('tampered requests are refused with 403: body, path, query, signed header, method, flipped signature bit', async () => {
    const before = seen.length;
    const tampered: Array<[string, () => Promise<SignableRequest>]> = [
      [
        'body',
        async () => ({
          ...(await sign(bob, plain('POST', '/products', { body: '{"price":10}' }))),
          body: '{"price":1}',
        }),
      ],
      ['path', async () => ({ ...(await sign(bob, plain('GET', '/products'))), path: '/me' })],
      [
        'query',
        async () => ({
          ...(await sign(bob, plain('GET', '/products', { query: { limit: '5' } }))),
          query: { limit: '500' },
        }),
      ],
      ['added query', async () => ({ ...(await sign(bob, plain('GET', '/products'))), query: { admin: 'true' } })],
      [
        'signed header',
        async () => {
          const signed = await sign(bob, plain('GET', '/products', { headers: { 'x-shop-tenant': 'acme' } }));
          return { ...signed, headers: { ...signed.headers, 'x-shop-tenant': 'evil' } };
        },
      ],
      ['method', async () => ({ ...(await sign(bob, plain('GET', '/products'))), method: 'POST', body: '' })],
      [
        'signature bit',
        async () => {
          const signed = await sign(bob, plain('GET', '/products'));
          const authorization = signed.headers.authorization!;
          const last = authorization.at(-1)!;
          const flipped = (Number.parseInt(last, 16) ^ 1).toString(16);
          return {
            ...signed,
            headers: { ...signed.headers, authorization: `${authorization.slice(0, -1)}${flipped}` },
          };
        },
      ],
    ];
    for (const [name, make] of tampered) {
      const response = await send(await make());
      expect(response.status, name).toBe(403);
      expect(response.json.message, name).toMatch(MISMATCH);
    }
    expect(seen.length, 'no tampered request reached a handler').toBe(before);
  });

  it("mixing another identity's credentials is refused with 403", async () => {
    const before = seen.length;
    // Alice's key id with bob's session token: the token does not belong to the key.
    const mixedToken = await send(await sign({ ...alice, sessionToken: bob.sessionToken }, plain('GET', '/products')));
    expect(mixedToken).toEqual({ status: 403, json: { message: INVALID_TOKEN } });
    // Alice's key id and token, signed with bob's secret.
    const mixedSecret = await send(
      await sign({ ...alice, secretAccessKey: bob.secretAccessKey }, plain('GET', '/products')),
    );
    expect(mixedSecret.status).toBe(403);
    expect(mixedSecret.json.message).toMatch(MISMATCH);
    // Bob's signature re-labelled with alice's key id and token.
    const signed = await sign(bob, plain('POST', '/products', { body: '{"price":10}' }));
    const relabelled = {
      ...signed,
      headers: {
        ...signed.headers,
        authorization: signed.headers.authorization!.replace(bob.accessKeyId, alice.accessKeyId),
        'x-amz-security-token': alice.sessionToken,
      },
    };
    const response = await send(relabelled);
    expect(response.status).toBe(403);
    expect(response.json.message).toMatch(MISMATCH);
    // Without any session token, or with a token no one was issued.
    const { sessionToken: _unused, ...noToken } = bob;
    expect((await send(await sign(noToken as unknown as Credentials, plain('GET', '/products')))).status).toBe(403);
    const unknownToken = `${bob.sessionToken.slice(0, -8)}AAAAAAAA`;
    expect(await send(await sign({ ...bob, sessionToken: unknownToken }, plain('GET', '/products')))).toEqual({
      status: 403,
      json: { message: INVALID_TOKEN },
    });
    const stranger = {
      accessKeyId: 'ASIAZZZZZZZZZZZZZZZZ',
      secretAccessKey: 'stranger-secret-key',
      sessionToken: 'stranger-session-token',
    };
    rememberSecrets(stranger.secretAccessKey, stranger.sessionToken);
    expect(await send(await sign(stranger, plain('GET', '/products')))).toEqual({
      status: 403,
      json: { message: INVALID_TOKEN },
    });
    expect(seen.length).toBe(before);
  });

  it('a replay with a stale X-Amz-Date (outside the 5-minute window) is refused; an in-window replay is accepted as by AWS', async () => {
    const request = plain('POST', '/products', { body: '{"price":10}' });
    const signed = await sign(bob, request);
    // SigV4 has no nonce: API Gateway accepts an identical request again while its X-Amz-Date is within 5 minutes.
    // The local gateway behaves the same on purpose (no divergence from AWS); only the stale replay is refused.
    expect((await send(signed)).status).toBe(200);
    expect((await send(signed)).status).toBe(200);

    clock.advance(5 * 60 + 1);
    try {
      const replay = await send(signed);
      expect(replay.status).toBe(403);
      expect(replay.json.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
      // Signed in the past on purpose: the same refusal.
      const backdated = await send(await sign(bob, request, new Date(clock.now().getTime() - 6 * 60_000)));
      expect(backdated.status).toBe(403);
      expect(backdated.json.message).toMatch(/^Signature expired/);
      const future = await send(await sign(bob, request, new Date(clock.now().getTime() + 6 * 60_000)));
      expect(future.status).toBe(403);
      expect(future.json.message).toMatch(/^Signature not yet current/);
    } finally {
      clock.advance(-(5 * 60 + 1));
    }
  });

  it('expired and revoked credentials are refused with 403', async () => {
    // Fresh credentials for alice, so revoking them below does not disturb the other tests.
    const credentials = await credentialsFor('carol');
    expect((await send(await sign(credentials, plain('GET', '/me')))).status).toBe(200);
    const expiry = emulator.credentials.lookup(credentials.accessKeyId)!.expiration;
    const started = clock.now();
    clock.set(expiry.getTime() + 1000);
    try {
      const expired = await send(await sign(credentials, plain('GET', '/me')));
      expect(expired).toEqual({
        status: 403,
        json: { message: 'The security token included in the request is expired' },
      });
    } finally {
      clock.set(started);
    }
    emulator.credentials.revoke({ identityId: credentials.identityId });
    expect(await send(await sign(credentials, plain('GET', '/me')))).toEqual({
      status: 403,
      json: { message: INVALID_TOKEN },
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Reused refresh tokens: the family is revoked, the legitimate successor included.

interface RefreshEngine {
  readonly name: string;
  start(): Promise<{ stores: AttackStores; familyRevoked(familyId: string): Promise<boolean>; close(): Promise<void> }>;
}

/** Issues a probe token into the family and reads it back: a revoked family revokes it too. */
async function futureTokenRevoked(store: RefreshTokenStore, familyId: string): Promise<boolean> {
  const probe = mintRefreshToken({
    familyId,
    userId: 'probe-user',
    identityId: 'us-east-1:00000000-0000-4000-8000-00000000beef',
    now: new Date(),
    ttlSeconds: 600,
    familyExpiresAt: new Date(Date.now() + 3_600_000),
  });
  await store.issue(probe.record);
  return (await store.find(probe.record.tokenHash))?.status === 'revoked';
}

const REFRESH_ENGINES: RefreshEngine[] = [
  {
    name: 'in-memory',
    start: async () => {
      const stores = memoryStores();
      // The in-memory store keeps revoked families privately: a token issued into the family afterwards must read
      // back revoked ("present and future" tokens, as the port promises).
      return {
        stores,
        familyRevoked: (familyId) => futureTokenRevoked(stores.refreshTokens, familyId),
        close: async () => {},
      };
    },
  },
  {
    name: 'PGlite',
    start: async () => {
      const db = await PGlite.create();
      const client = fromPGlite(db);
      await migrate(client);
      const stores = createPostgresStores(client);
      return {
        stores,
        familyRevoked: async (familyId) =>
          (await db.query('SELECT 1 FROM devauth_revoked_token_families WHERE family_id = $1', [familyId])).rows
            .length === 1 && (await futureTokenRevoked(stores.refreshTokens, familyId)),
        close: () => db.close(),
      };
    },
  },
];

describe.each(REFRESH_ENGINES)('reused refresh tokens ($name)', (engine) => {
  let ctx: Awaited<ReturnType<RefreshEngine['start']>>;
  let app: ReturnType<typeof createAttackApp> & { broker: FakeIdentityBroker };
  beforeAll(async () => {
    ctx = await engine.start();
    const broker = new FakeIdentityBroker({ identityPoolId: POOL_ID });
    app = { ...createAttackApp(ctx.stores, broker), broker };
  });
  afterAll(async () => {
    await ctx?.close();
  });

  async function login(make: MakeEvent, username: string) {
    const password = newPassword(username);
    expect(
      (await app.handlers.register(make({ path: '/auth/register', body: { username, password } }))).statusCode,
    ).toBe(201);
    await rememberHash(ctx.stores.users, username);
    const session = parse(await app.handlers.login(make({ body: { username, password } })));
    rememberSession(session);
    return session.refreshToken as string;
  }

  const refresh = (make: MakeEvent, refreshToken: string) =>
    app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken } }));

  async function statusOf(store: RefreshTokenStore, token: string) {
    return (await store.find(digestSecretToken(token)))?.status;
  }

  it.each(VERSIONS)(
    'refresh, then reuse of the old token: 401, and the whole family is revoked ($name)',
    async ({ event: make, version }) => {
      const first = await login(make, `reuse${version}${engine.name.length}`);
      const rotated = await refresh(make, first);
      expect(rotated.statusCode).toBe(200);
      const second = parse(rotated).refreshToken as string;
      rememberSession(parse(rotated));
      const familyId = (await ctx.stores.refreshTokens.find(digestSecretToken(first)))!.familyId;
      expect(await statusOf(ctx.stores.refreshTokens, first)).toBe('rotated');
      expect(await statusOf(ctx.stores.refreshTokens, second)).toBe('active');

      const reused = await refresh(make, first);
      expect(reused.statusCode).toBe(401);
      expect(parse(reused)).toEqual({
        error: { code: 'REFRESH_TOKEN_INVALID', message: 'The refresh token is invalid, expired or revoked.' },
      });
      // The legitimate holder's successor token dies with the family.
      const successor = await refresh(make, second);
      expect(successor.statusCode).toBe(401);
      expect(await statusOf(ctx.stores.refreshTokens, first)).toBe('revoked');
      expect(await statusOf(ctx.stores.refreshTokens, second)).toBe('revoked');
      expect(await ctx.familyRevoked(familyId)).toBe(true);
    },
  );

  it('concurrent refreshes of one token: at most one wins, and the family ends revoked', async () => {
    const make = VERSIONS[1]!.event;
    const rounds = ATTACK_FULL ? 10 : 2;
    for (let round = 0; round < rounds; round++) {
      const token = await login(make, `race${round}${engine.name.length}`);
      const results = await Promise.all(Array.from({ length: 4 }, () => refresh(make, token)));
      const winners = results.filter((result) => result.statusCode === 200);
      for (const winner of winners) rememberSession(parse(winner));
      expect(winners.length).toBeLessThanOrEqual(1);
      expect(results.filter((result) => result.statusCode === 401).length).toBe(4 - winners.length);
      // Every loser counts as reuse: the winner's new token is refused as well.
      for (const winner of winners) {
        expect((await refresh(make, parse(winner).refreshToken as string)).statusCode).toBe(401);
      }
      expect(await statusOf(ctx.stores.refreshTokens, token)).toBe('revoked');
    }
  });

  it('a tampered or guessed token is refused without revoking the genuine session', async () => {
    const make = VERSIONS[0]!.event;
    const token = await login(make, `guess${engine.name.length}`);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const guessed = `${token.slice(0, -1)}${last}`;
    rememberSecrets(guessed);
    const refused = await refresh(make, guessed);
    expect(refused.statusCode).toBe(401);
    expect(await statusOf(ctx.stores.refreshTokens, token)).toBe('active');
    const familyId = (await ctx.stores.refreshTokens.find(digestSecretToken(token)))!.familyId;
    expect(await ctx.familyRevoked(familyId)).toBe(false);
    const genuine = await refresh(make, token);
    expect(genuine.statusCode).toBe(200);
    rememberSession(parse(genuine));
  });
});

// Runs last (tests run in file order): the leak search of log-capture.ts, in its afterAll, is only as good as the
// secrets it knows. Every password, hash, token, invitation code and credential above was remembered.
it('remembered the secrets it used, for the leak search over every captured line', () => {
  expect(rememberedSecretCount()).toBeGreaterThan(20);
});
