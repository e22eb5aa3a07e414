/**
 * Smaller findings of the security review, each attacked through the handlers:
 * - a disabled account must answer exactly like a wrong password (no oracle for its password);
 * - refresh-token reuse stays strict by default, with a leeway only when configured;
 * - the in-Lambda guard needs the identity pool id, and an IdentityId resolves to one user at most;
 * - OpenID tokens are capped at 15 minutes unless longer ones are allowed explicitly.
 */
import './support/log-capture.js';
import { createDevauth, IdentityTakenError, nextVersion, staticCommonPasswords, type UserStore } from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker, InMemoryUserStore } from '@devauth/core/testing';
import { createGuard, defineAccessTable } from '@devauth/lambda-handlers/access';
import { describe, expect, it } from 'vitest';
import { createAttackApp, newPassword, POOL_ID, parse, rememberSession, VERSIONS } from './support/auth-app.js';
import { rememberedSecretCount } from './support/log-capture.js';

const memoryStores = createInMemoryStores;
const memoryApp = (config = {}) => {
  const stores = memoryStores();
  return { stores, ...createAttackApp(stores, new FakeIdentityBroker({ identityPoolId: POOL_ID }), { config }) };
};

async function disable(users: UserStore, username: string): Promise<void> {
  const user = (await users.findByUsername(username))!;
  await users.update(nextVersion(user, { status: 'disabled' }, new Date()));
}

describe.each(VERSIONS)('a disabled account ($name)', ({ event: make }) => {
  it('answers a correct password exactly like a wrong one: status, headers and body', async () => {
    const app = memoryApp();
    const password = newPassword('dora');
    await app.handlers.register(make({ path: '/auth/register', body: { username: 'dora', password } }));
    await disable(app.stores.users, 'dora');
    const answer = async (body: Record<string, string>) => {
      const result = await app.handlers.login(make({ path: '/auth/login', body, sourceIp: '198.51.100.20' }));
      const { 'x-request-id': _ignored, ...headers } = result.headers ?? {};
      return { statusCode: result.statusCode, headers, body: parse(result) };
    };
    const right = await answer({ username: 'dora', password });
    const wrong = await answer({ username: 'dora', password: 'not the password at all' });
    const unknown = await answer({ username: 'nobody-here', password: 'not the password at all' });
    expect(right.statusCode).toBe(401);
    expect(right).toEqual(wrong);
    expect(right).toEqual(unknown);
    // And it counts as a failure, as a wrong password does.
    expect((await app.stores.loginAttempts.get(['user:dora']))[0]?.consecutiveFailures).toBe(2);
  });

  it('says ACCOUNT_DISABLED (403) only when the deployment opts in with revealDisabledAccounts', async () => {
    const app = memoryApp({ revealDisabledAccounts: true });
    const password = newPassword('dina');
    await app.handlers.register(make({ path: '/auth/register', body: { username: 'dina', password } }));
    await disable(app.stores.users, 'dina');
    const result = await app.handlers.login(make({ path: '/auth/login', body: { username: 'dina', password } }));
    expect(result.statusCode).toBe(403);
    expect(parse(result)).toMatchObject({ error: { code: 'ACCOUNT_DISABLED' } });
  });
});

describe.each(VERSIONS)('refresh-token reuse ($name)', ({ event: make }) => {
  async function signedIn(config = {}) {
    const app = memoryApp(config);
    const password = newPassword('rita');
    await app.handlers.register(make({ path: '/auth/register', body: { username: 'rita', password } }));
    const login = parse(await app.handlers.login(make({ path: '/auth/login', body: { username: 'rita', password } })));
    rememberSession(login);
    const refresh = async (refreshToken: unknown) => {
      const result = await app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken } }));
      rememberSession(parse(result));
      return { status: result.statusCode, body: parse(result) };
    };
    return { refresh, first: login.refreshToken };
  }

  it('is strict by default: replaying a rotated token revokes the whole session', async () => {
    const { refresh, first } = await signedIn();
    const next = await refresh(first);
    expect(next.status).toBe(200);
    expect((await refresh(first)).status).toBe(401);
    expect((await refresh(next.body.refreshToken)).status).toBe(401);
  });

  it('with refreshReuseLeewaySeconds, a retry right after a rotation gets tokens and keeps the session', async () => {
    const { refresh, first } = await signedIn({ refreshReuseLeewaySeconds: 30 });
    const lost = await refresh(first);
    expect(lost.status).toBe(200);
    const retried = await refresh(first);
    expect(retried.status).toBe(200);
    expect(retried.body.refreshToken).not.toBe(lost.body.refreshToken);
    expect((await refresh(retried.body.refreshToken)).status).toBe(200);
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});

describe('identities at the guard', () => {
  const table = defineAccessTable([{ method: 'GET', path: '/orders', roles: ['shopper'] }]);

  it('a guard cannot be built without the identity pool id (it would accept any pool identity)', () => {
    const users = new InMemoryUserStore();
    expect(() => createGuard({ table, users } as unknown as Parameters<typeof createGuard>[0])).toThrow(
      /identityPoolId is required/,
    );
  });

  it('an IdentityId already linked to one user cannot be linked to another', async () => {
    const users = new InMemoryUserStore();
    const devauth = createDevauth({
      ...memoryStores(),
      users,
      broker: new FakeIdentityBroker({ identityPoolId: POOL_ID }),
      commonPasswords: staticCommonPasswords([]),
    });
    const owner = await devauth.register.execute({ username: 'owner', password: newPassword('owner') });
    const other = await devauth.register.execute({ username: 'other', password: newPassword('other') });
    const identityId = 'us-east-1:11111111-2222-4333-8444-555555555555';
    await users.update(nextVersion((await users.findById(owner.id))!, { identityId }, new Date()));
    await expect(
      users.update(nextVersion((await users.findById(other.id))!, { identityId }, new Date())),
    ).rejects.toBeInstanceOf(IdentityTakenError);
    expect((await users.findByIdentityId(identityId))?.id).toBe(owner.id);
  });

  it('OpenID tokens longer than 15 minutes need allowLongTokenDuration', () => {
    const dependencies = {
      ...memoryStores(),
      broker: new FakeIdentityBroker({ identityPoolId: POOL_ID }),
      commonPasswords: staticCommonPasswords([]),
    };
    expect(() => createDevauth(dependencies, { tokenDurationSeconds: 3600 })).toThrow(/allowLongTokenDuration/);
    expect(
      createDevauth(dependencies, { tokenDurationSeconds: 3600, allowLongTokenDuration: true }).config,
    ).toMatchObject({ tokenDurationSeconds: 3600 });
  });
});
