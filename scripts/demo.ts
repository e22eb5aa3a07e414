/**
 * `pnpm demo`: the whole devauth architecture on one machine, narrated. It starts the Cognito identity-pool emulator
 * and the local API gateway on free ports, wires the Lambda handlers with an embedded store (PGlite by default,
 * `--store=memory` for in-memory) and the real Cognito adapter, then plays a visitor's journey with the AWS SDK's own
 * credential provider and SigV4 signer. It exits 0 only if every expectation held, and stops everything it started.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromCognitoIdentity } from '@aws-sdk/credential-providers';
import { createCognitoIdentityBroker } from '@devauth/adapters-cognito';
import { createPostgresStores, fromPGlite, migrate } from '@devauth/adapters-postgres';
import { createDevauth, type DevauthDependencies } from '@devauth/core';
import {
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
} from '@devauth/core/testing';
import { createAuthHandlers, silentLogger } from '@devauth/lambda-handlers';
import { createGuard, defineAccessTable } from '@devauth/lambda-handlers/access';
import { startIdentityPoolEmulator, startLocalGateway } from '@devauth/local';
import { SignatureV4 } from '@smithy/signature-v4';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
type Stores = Pick<DevauthDependencies, 'users' | 'refreshTokens' | 'loginAttempts' | 'invitations'>;

const storeKind = process.argv.includes('--store=memory') ? 'memory' : 'pglite'; // --store=pglite is the default
const region = 'us-east-1';
const failures: string[] = [];
const stops: Array<() => Promise<unknown>> = [];

function expectThat(condition: boolean, what: string): void {
  console.log(`    ${condition ? '✓' : '✗'} ${what}`);
  if (!condition) failures.push(what);
}

/** One route -> roles table: it drives the IAM policies the gateway enforces and the in-Lambda guard alike. */
const accessTable = defineAccessTable([
  { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'] },
  { method: 'POST', path: '/products', roles: ['seller'] },
  { method: 'GET', path: '/orders', roles: ['shopper', 'seller'] },
  { method: 'DELETE', path: '/products/{id}', roles: ['seller'] },
  { method: 'GET', path: '/me', roles: ['guest', 'shopper', 'seller'] },
]);

async function embeddedStores(): Promise<Stores> {
  if (storeKind === 'memory') {
    return {
      users: new InMemoryUserStore(),
      refreshTokens: new InMemoryRefreshTokenStore(),
      loginAttempts: new InMemoryLoginAttemptStore(),
      invitations: new InMemoryInvitationStore(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  stops.push(() => db.close());
  const client = fromPGlite(db);
  await migrate(client);
  return createPostgresStores(client);
}

async function main(): Promise<void> {
  console.log(`devauth demo: identity-pool emulator + local API gateway + Lambda handlers (${storeKind} store)\n`);

  const emulator = await startIdentityPoolEmulator({ region });
  stops.push(() => emulator.stop());
  const pool = emulator.createPool({
    developerProviderName: 'login.demo.devauth',
    allowUnauthenticatedIdentities: true,
  });
  const stores = await embeddedStores();
  const devauth = createDevauth({
    ...stores,
    broker: createCognitoIdentityBroker({
      identityPoolId: pool.identityPoolId,
      developerProviderName: 'login.demo.devauth',
      clientConfig: {
        endpoint: emulator.endpoint,
        region,
        credentials: { accessKeyId: 'backend', secretAccessKey: 'backend-secret' },
      },
    }),
  });
  const auth = createAuthHandlers({
    devauth,
    me: { users: stores.users, identityPoolId: pool.identityPoolId },
    logger: silentLogger,
  });

  // The app's own protected handlers, each guarded in-Lambda by the same table the IAM policies come from.
  const guard = createGuard({ table: accessTable, users: stores.users, identityPoolId: pool.identityPoolId });
  const products = ['teapot', 'kettle'];
  const guarded =
    (respond: (caller: unknown) => unknown, created = false) =>
    async (event: unknown) => {
      const decision = await guard.authorize(event);
      if (!decision.allowed)
        return { statusCode: decision.statusCode, body: JSON.stringify({ reason: decision.reason }) };
      return { statusCode: created ? 201 : 200, body: JSON.stringify(respond(decision.caller)) };
    };

  const gateway = await startLocalGateway({
    region,
    emulator,
    accessTable,
    identityPoolId: pool.identityPoolId,
    routes: [
      { method: 'POST', path: '/auth/guest', payload: 'v2', auth: 'NONE', handler: auth.guest },
      { method: 'POST', path: '/auth/register', payload: 'v2', auth: 'NONE', handler: auth.register },
      { method: 'POST', path: '/auth/login', payload: 'v2', auth: 'NONE', handler: auth.login },
      { method: 'POST', path: '/auth/refresh', payload: 'v2', auth: 'NONE', handler: auth.refresh },
      { method: 'POST', path: '/auth/logout', payload: 'v2', auth: 'NONE', handler: auth.logout },
      { method: 'GET', path: '/me', payload: 'v2', auth: 'AWS_IAM', handler: auth.me },
      { method: 'GET', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: guarded(() => products) },
      {
        method: 'POST',
        path: '/products',
        payload: 'v2',
        auth: 'AWS_IAM',
        handler: guarded(() => products.push('samovar') && products, true),
      },
      { method: 'GET', path: '/orders', payload: 'v1', auth: 'AWS_IAM', handler: guarded(() => ['order-1']) },
      { method: 'DELETE', path: '/products/{id}', payload: 'v2', auth: 'AWS_IAM', handler: guarded(() => 'deleted') },
    ],
  });
  stops.push(() => gateway.stop());
  console.log(`  emulator ${emulator.endpoint}  pool ${pool.identityPoolId}`);
  console.log(`  gateway  ${gateway.endpoint}\n`);

  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${gateway.endpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const credentialsFor = (identityId: string, openIdToken?: string) =>
    fromCognitoIdentity({
      identityId,
      ...(openIdToken ? { logins: { 'cognito-identity.amazonaws.com': async () => openIdToken } } : {}),
      clientConfig: { endpoint: emulator.endpoint, region },
    })();
  /** Signs like any AWS client does (SigV4, service execute-api); `tamper` changes the request after signing. */
  const signedCall = async (
    credentials: Credentials,
    method: string,
    path: string,
    body?: unknown,
    tamper?: (request: { path: string; body?: string }) => void,
  ) => {
    const url = new URL(`${gateway.endpoint}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: Sha256 });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload,
    });
    const request = { path: url.pathname, body: payload };
    tamper?.(request);
    const response = await fetch(`${gateway.endpoint}${request.path}`, {
      method,
      headers: signed.headers as Record<string, string>,
      body: request.body,
    });
    return {
      status: response.status,
      json: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined,
    };
  };
  const show = (label: string, result: { status: number }) => console.log(`    ${label}: ${result.status}`);

  console.log('1. A guest browses');
  const guest = await post('/auth/guest');
  const guestId = guest.json.identityId as string;
  console.log(`    guest IdentityId ${guestId}`);
  const guestCredentials = await credentialsFor(guestId);
  const browse = await signedCall(guestCredentials, 'GET', '/products');
  show('GET /products', browse);
  expectThat(browse.status === 200, 'guests may list products');
  const guestPost = await signedCall(guestCredentials, 'POST', '/products', { name: 'samovar' });
  show('POST /products', guestPost);
  expectThat(guestPost.status === 403, 'guests may not create products (IAM, unauthenticated role)');

  console.log('\n2. The guest registers as a shopper and logs in, keeping its IdentityId');
  const password = 'a long passphrase nobody guesses';
  const registered = await post('/auth/register', { username: 'Ada', password, email: 'ada@example.com' });
  show('POST /auth/register', registered);
  expectThat(registered.status === 201 && registered.json.user.role === 'shopper', 'registered as shopper');
  const login = await post('/auth/login', { username: 'ada', password, guestIdentityId: guestId });
  show('POST /auth/login', login);
  expectThat(login.status === 200 && login.json.identityId === guestId, 'the guest identity was upgraded in place');
  const wrong = await post('/auth/login', { username: 'ada', password: 'not the password at all' });
  const unknown = await post('/auth/login', { username: 'nobody', password: 'not the password at all' });
  expectThat(
    wrong.status === 401 && JSON.stringify(wrong.json) === JSON.stringify(unknown.json),
    'wrong password and unknown user get the same 401 body',
  );

  console.log('\n3. The shopper gets temporary AWS credentials and calls protected routes with SigV4');
  const shopper = await credentialsFor(login.json.identityId, login.json.openIdToken);
  const orders = await signedCall(shopper, 'GET', '/orders');
  show('GET /orders', orders);
  expectThat(orders.status === 200, 'shoppers may list orders');
  const shopperPost = await signedCall(shopper, 'POST', '/products', { name: 'samovar' });
  show('POST /products', shopperPost);
  expectThat(shopperPost.status === 403, 'shoppers may not create products (principal tag role=shopper)');
  const me = await signedCall(shopper, 'GET', '/me');
  expectThat(me.status === 200 && me.json?.role === 'shopper' && me.json?.kind === 'user', 'GET /me says shopper');

  console.log('\n4. A seller registers with an invitation and reaches seller routes');
  const invitation = await devauth.createInvitation.execute({ role: 'seller' });
  const noInvite = await post('/auth/register', { username: 'grace', password, role: 'seller' });
  expectThat(noInvite.status === 403, 'seller without invitation refused (403)');
  const seller = await post('/auth/register', {
    username: 'grace',
    password,
    role: 'seller',
    invitationCode: invitation.code,
  });
  expectThat(seller.status === 201 && seller.json.user.role === 'seller', 'seller registered with the invitation');
  const sellerLogin = await post('/auth/login', { username: 'grace', password });
  const sellerCredentials = await credentialsFor(sellerLogin.json.identityId, sellerLogin.json.openIdToken);
  const created = await signedCall(sellerCredentials, 'POST', '/products', { name: 'samovar' });
  show('POST /products', created);
  expectThat(created.status === 201, 'sellers may create products');
  const deleted = await signedCall(sellerCredentials, 'DELETE', '/products/teapot');
  expectThat(deleted.status === 200, 'sellers may delete products');

  console.log('\n5. A tampered request is refused');
  const tampered = await signedCall(sellerCredentials, 'POST', '/products', { name: 'samovar' }, (request) => {
    request.body = JSON.stringify({ name: 'samovar', price: 0 });
  });
  show('POST /products with a body changed after signing', tampered);
  expectThat(tampered.status === 403, 'signature mismatch gives 403');
  const unsigned = await fetch(`${gateway.endpoint}/orders`);
  expectThat(unsigned.status === 403, 'an unsigned call gives 403');

  console.log('\n6. Refresh gives a new token; the old refresh token is spent');
  const refreshed = await post('/auth/refresh', { refreshToken: login.json.refreshToken });
  show('POST /auth/refresh', refreshed);
  expectThat(refreshed.status === 200 && refreshed.json.identityId === guestId, 'same identity, new token');
  expectThat(
    refreshed.json.refreshToken !== login.json.refreshToken &&
      Date.parse(refreshed.json.openIdTokenExpiresAt) >= Date.parse(login.json.openIdTokenExpiresAt),
    'a rotated refresh token and a fresh OpenID token',
  );
  const again = await signedCall(await credentialsFor(guestId, refreshed.json.openIdToken), 'GET', '/orders');
  expectThat(again.status === 200, 'credentials from the refreshed token work');
  const replay = await post('/auth/refresh', { refreshToken: login.json.refreshToken });
  expectThat(replay.status === 401, 'replaying the rotated refresh token is refused');
}

try {
  await main();
} catch (error) {
  failures.push(`unexpected error: ${(error as Error).message}`);
  console.error(error);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}
if (failures.length > 0) {
  console.error(`\ndemo FAILED: ${failures.length} expectation(s) did not hold:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\ndemo OK: every expectation held; everything started was stopped');
