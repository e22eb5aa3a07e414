/**
 * `pnpm demo`: the whole devauth architecture on one machine, narrated. It starts the Cognito identity-pool emulator
 * and the local API gateway on free ports, wires the Lambda handlers with an embedded store (PGlite by default,
 * `--store=memory` for in-memory) and the real Cognito adapter, then plays a visitor's journey with `@devauth/client`
 * (the AWS SDK's own Cognito credential provider and SigV4 signer underneath), the email address confirmed through
 * the link in the local outbox, then a password change, a reset through the outbox, a session ended elsewhere being
 * refused, and the operator side (demo-admin.ts): an admin approving a seller and disabling a user whose next
 * refresh is refused. It exits 0 only if every expectation held, and stops everything it started.
 */
import { createPostgresStores, fromPGlite, migrate } from '@devauth/adapters-postgres';
import {
  createDevauthClient,
  createSignedFetch,
  type DevauthClient,
  DevauthClientError,
  type SignedFetch,
} from '@devauth/client';
import { createInMemoryStores } from '@devauth/core/testing';
import { type AppRoute, type LocalStackStores, startLocalStack } from '@devauth/dev';
import { adminDemo } from './demo-admin.js';

const storeKind = process.argv.includes('--store=memory') ? 'memory' : 'pglite'; // --store=pglite is the default
const region = 'us-east-1';
const failures: string[] = [];
const stops: Array<() => Promise<unknown>> = [];

function expectThat(condition: boolean, what: string): void {
  console.log(`    ${condition ? '✓' : '✗'} ${what}`);
  if (!condition) failures.push(what);
}

async function embeddedStores(): Promise<LocalStackStores> {
  if (storeKind === 'memory') {
    return createInMemoryStores();
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  stops.push(() => db.close());
  const client = fromPGlite(db);
  await migrate(client);
  return createPostgresStores(client);
}

async function main(): Promise<void> {
  // The AWS SDK warns on every Node below 22 in a multi-line block; the demo says it once, in its own words.
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < 22) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    console.log(
      `note: Node ${process.versions.node}; Lambda runs Node 22 and 24, and AWS SDK releases from 2027 need 22\n`,
    );
  }
  console.log(`devauth demo: identity-pool emulator + local API gateway + Lambda handlers (${storeKind} store)\n`);

  // The app's own routes, each with the roles that may call it: one declaration drives the IAM policies the gateway
  // enforces and the in-Lambda guard in front of each handler.
  const products = ['teapot', 'kettle'];
  const routes: AppRoute[] = [
    {
      method: 'GET',
      path: '/products',
      payload: 'v1',
      roles: ['guest', 'shopper', 'seller'],
      handler: () => ({ body: products }),
    },
    {
      method: 'POST',
      path: '/products',
      roles: ['seller'],
      handler: () => {
        products.push('samovar');
        return { statusCode: 201, body: products };
      },
    },
    {
      method: 'GET',
      path: '/orders',
      payload: 'v1',
      roles: ['shopper', 'seller'],
      handler: () => ({ body: ['order-1'] }),
    },
    { method: 'DELETE', path: '/products/{id}', roles: ['seller'], handler: () => ({ body: 'deleted' }) },
  ];
  const stores = await embeddedStores();
  const stack = await startLocalStack({ region, developerProviderName: 'login.demo.devauth', stores, routes });
  stops.push(() => stack.stop());
  const { emulator, gateway, devauth } = stack;
  console.log(`  emulator ${emulator.endpoint}  pool ${stack.identityPoolId}`);
  console.log(`  gateway  ${gateway.endpoint}\n`);

  /** One visitor of the app: its own session (guest, then signed in), credentials and signed fetch. */
  let lastStatus = 0; // the status of the latest HTTP answer any visitor got, for the narration
  const observed = async (url: string, init?: RequestInit) => {
    const response = await fetch(url, init);
    lastStatus = response.status;
    return response;
  };
  const newVisitor = () =>
    createDevauthClient({
      baseUrl: gateway.endpoint,
      region,
      cognito: { endpoint: emulator.endpoint },
      fetch: observed,
    });
  /** A signed call (SigV4, service execute-api) through a visitor's signed fetch, or one of its variants. */
  const signedCall = async (fetcher: DevauthClient | SignedFetch, method: string, path: string, body?: unknown) => {
    const signedFetch = 'signedFetch' in fetcher ? fetcher.signedFetch : fetcher;
    const response = await signedFetch(`${gateway.endpoint}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      json: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined,
    };
  };
  /** The typed error a client call failed with (or a failure note when it did not fail). */
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => new DevauthClientError({ code: 'UNEXPECTED_SUCCESS', message: 'the call succeeded', status: 0 }),
      (error: unknown) => {
        if (error instanceof DevauthClientError) return error;
        throw error;
      },
    );
  const show = (label: string, result: { status: number }) => console.log(`    ${label}: ${result.status}`);

  console.log('1. A guest browses');
  const visitor = newVisitor();
  const guestId = (await visitor.guest()).identityId;
  console.log(`    guest IdentityId ${guestId}`);
  const browse = await signedCall(visitor, 'GET', '/products');
  show('GET /products', browse);
  expectThat(browse.status === 200, 'guests may list products');
  const guestPost = await signedCall(visitor, 'POST', '/products', { name: 'samovar' });
  show('POST /products', guestPost);
  expectThat(guestPost.status === 403, 'guests may not create products (IAM, unauthenticated role)');

  console.log('\n2. The guest registers as a shopper and logs in, keeping its IdentityId');
  const password = 'a long passphrase nobody guesses';
  const registered = await visitor.register({ username: 'Ada', password, email: 'ada@example.com' });
  show('POST /auth/register', { status: lastStatus });
  expectThat(lastStatus === 201 && registered.user.role === 'shopper', 'registered as shopper');
  // An IdentityId is no secret (anyone can get its guest credentials from Cognito): someone who learnt it and logs
  // in naming it signs in on its own identity. The guest route gave the real guest a guest link secret too.
  const intruderPassword = 'another long passphrase nobody guesses';
  await newVisitor().register({ username: 'mallory', password: intruderPassword });
  const claim = await observed(`${gateway.endpoint}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'mallory', password: intruderPassword, guestIdentityId: guestId }),
  });
  const claimed = (await claim.json()) as { identityId?: string };
  show('POST /auth/login naming the guest IdentityId without its secret', claim);
  expectThat(claim.status === 200 && claimed.identityId !== guestId, 'the IdentityId alone links nothing');
  // The client sends the stored guest IdentityId with its guest link secret: only that upgrades the identity.
  const login = await visitor.login({ username: 'ada', password });
  show('POST /auth/login', { status: lastStatus });
  expectThat(lastStatus === 200 && login.identityId === guestId, 'the guest identity was upgraded in place');
  const wrong = await failureOf(newVisitor().login({ username: 'ada', password: 'not the password at all' }));
  const unknown = await failureOf(newVisitor().login({ username: 'nobody', password: 'not the password at all' }));
  expectThat(
    wrong.status === 401 &&
      JSON.stringify([wrong.status, wrong.code, wrong.message]) ===
        JSON.stringify([unknown.status, unknown.code, unknown.message]),
    'wrong password and unknown user get the same 401 body',
  );

  console.log('\n3. Ada follows the verification link from the local outbox');
  // Registration with an email sent a verification message; until its link is followed the address is unverified,
  // and a password reset would not be mailed there (an unconfirmed address may be a typo, or someone else's).
  const verification = stack.outbox?.latest('email-verification', 'ada@example.com');
  expectThat(
    verification !== undefined,
    `a message to ada@example.com: "${verification?.rendered.subject}" (token not shown)`,
  );
  expectThat(registered.user.emailVerified === false, 'the address is unverified until the link is followed');
  const confirmed = await newVisitor().verifyEmail(verification!.message.token);
  show('POST /auth/email/verify', { status: lastStatus });
  expectThat(
    lastStatus === 200 && confirmed.user.emailVerified && confirmed.user.email === 'ada@example.com',
    'following the link verified the address (no sign-in needed: it may be opened on another device)',
  );
  const followedAgain = await failureOf(newVisitor().verifyEmail(verification!.message.token));
  expectThat(followedAgain.code === 'ACCOUNT_TOKEN_INVALID', 'the link works once');

  console.log('\n4. The shopper gets temporary AWS credentials and calls protected routes with SigV4');
  // Same visitor: its credentials provider re-reads the session and switches to authenticated credentials.
  const orders = await signedCall(visitor, 'GET', '/orders');
  show('GET /orders', orders);
  expectThat(orders.status === 200, 'shoppers may list orders');
  const shopperPost = await signedCall(visitor, 'POST', '/products', { name: 'samovar' });
  show('POST /products', shopperPost);
  expectThat(shopperPost.status === 403, 'shoppers may not create products (principal tag role=shopper)');
  const me = await visitor.me();
  expectThat(me.role === 'shopper' && me.kind === 'user', 'GET /me says shopper');
  expectThat(me.user?.emailVerified === true, 'GET /me says the address is verified');

  console.log('\n5. A seller registers with an invitation and reaches seller routes');
  const invitation = await devauth.createInvitation.execute({ role: 'seller' });
  const sellerVisitor = newVisitor();
  const noInvite = await failureOf(sellerVisitor.register({ username: 'grace', password, role: 'seller' }));
  expectThat(noInvite.status === 403, 'seller without invitation refused (403)');
  const seller = await sellerVisitor.register({
    username: 'grace',
    password,
    role: 'seller',
    invitationCode: invitation.code,
  });
  expectThat(lastStatus === 201 && seller.user.role === 'seller', 'seller registered with the invitation');
  await sellerVisitor.login({ username: 'grace', password });
  const created = await signedCall(sellerVisitor, 'POST', '/products', { name: 'samovar' });
  show('POST /products', created);
  expectThat(created.status === 201, 'sellers may create products');
  const deleted = await signedCall(sellerVisitor, 'DELETE', '/products/teapot');
  expectThat(deleted.status === 200, 'sellers may delete products');

  console.log('\n6. A tampered request is refused');
  // The seller's own credentials and signer, over a fetch that changes the body after signing.
  const tampering = createSignedFetch({
    credentials: sellerVisitor.credentials,
    region,
    fetch: (url, init) => fetch(url, { ...init, body: JSON.stringify({ name: 'samovar', price: 0 }) }),
  });
  const tampered = await signedCall(tampering, 'POST', '/products', { name: 'samovar' });
  show('POST /products with a body changed after signing', tampered);
  expectThat(tampered.status === 403, 'signature mismatch gives 403');
  const unsigned = await fetch(`${gateway.endpoint}/orders`);
  expectThat(unsigned.status === 403, 'an unsigned call gives 403');

  console.log('\n7. Refresh gives a new token; the old refresh token is spent');
  const refreshed = await visitor.refresh();
  show('POST /auth/refresh', { status: lastStatus });
  expectThat(lastStatus === 200 && refreshed.identityId === guestId, 'same identity, new token');
  expectThat(
    refreshed.refreshToken !== login.refreshToken &&
      Date.parse(refreshed.openIdTokenExpiresAt) >= Date.parse(login.openIdTokenExpiresAt),
    'a rotated refresh token and a fresh OpenID token',
  );
  visitor.credentials.invalidate(); // new credentials, obtained with the refreshed OpenID token from the session
  const again = await signedCall(visitor, 'GET', '/orders');
  expectThat(again.status === 200, 'credentials from the refreshed token work');
  const replay = await failureOf(visitor.refresh(login.refreshToken));
  expectThat(replay.status === 401, 'replaying the rotated refresh token is refused');

  console.log('\n8. Ada changes her password on her phone; the session on her laptop is refused on refresh');
  const laptop = newVisitor();
  await laptop.login({ username: 'ada', password });
  const phone = newVisitor();
  await phone.login({ username: 'ada', password });
  const changedPassword = 'a changed passphrase nobody guesses';
  const change = await phone.changePassword({ currentPassword: password, newPassword: changedPassword });
  show('POST /me/password (SigV4)', { status: lastStatus });
  expectThat(change.revokedSessions >= 2, `every session signed out (${change.revokedSessions}), the phone continues`);
  expectThat((await phone.me()).user?.username === 'ada', 'the phone is still signed in, on its new session');
  const laptopRefresh = await failureOf(laptop.refresh());
  expectThat(laptopRefresh.status === 401, 'the laptop, signed out elsewhere, is refused on refresh');

  console.log('\n9. She forgets it and resets it with the token the outbox got at her verified address');
  await newVisitor().forgotPassword('ada');
  await newVisitor().forgotPassword('nobody');
  expectThat(lastStatus === 202, 'a reset request answers 202, the same for an unknown name');
  const mail = stack.outbox?.latest('password-reset', 'ada@example.com');
  expectThat(mail !== undefined, `a message to ada@example.com: "${mail?.rendered.subject}" (token not shown)`);
  const resetPassword = 'a reset passphrase nobody guesses';
  await newVisitor().resetPassword({ token: mail!.message.token, newPassword: resetPassword });
  expectThat(lastStatus === 204, 'POST /auth/password/reset set the new password');
  const phoneRefresh = await failureOf(phone.refresh());
  expectThat(phoneRefresh.status === 401, 'the reset signed every session out, the phone too');
  const after = await newVisitor().login({ username: 'ada', password: resetPassword });
  expectThat(after.role === 'shopper', 'the new password logs in');

  await adminDemo({
    devauth,
    newVisitor,
    signedCall,
    expectThat,
    abuser: { username: 'mallory', password: intruderPassword },
  });
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
