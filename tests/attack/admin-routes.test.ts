/**
 * The admin routes under attack, at each of the three places that enforce them:
 * 1. the gateway (IAM: the access table allows them to the `admin` role only): every admin route called with guest,
 *    shopper and seller credentials through the local SigV4 gateway is refused there, as API Gateway refuses it;
 * 2. the guard in the handler: the same routes invoked directly with forged API Gateway events (what a caller who
 *    got past API Gateway, or a misconfigured API, would send), naming real identities and even an `admin` role tag;
 * 3. the core: every `devauth.admin` method called with a non-admin actor.
 * After every attempt the store shows nothing changed.
 */
import './support/log-capture.js';
import { createDevauthClient, type DevauthClient } from '@devauth/client';
import { AdminRequiredError, digestSecretToken, type InvitationRecord, staticCommonPasswords } from '@devauth/core';
import { createInMemoryStores, type InMemoryStores } from '@devauth/core/testing';
import { type LocalStack, startLocalStack } from '@devauth/dev';
import type { ApiGatewayProxyEvent } from '@devauth/lambda-handlers';
import { HANDLER_ROUTES, type RouteName, routesWithAccess } from '@devauth/lambda-handlers/env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastHasher } from './support/auth-app.js';
import { rememberSecrets } from './support/log-capture.js';

const region = 'us-east-1';
const password = 'a long passphrase nobody guesses';
const ADMIN_ROUTES = routesWithAccess('admin');

interface Target {
  readonly victimId: string;
  readonly invitationId: string;
}

/** Each admin route's path and body, aimed at the victim and the pending invitation. */
function requestOf(route: RouteName, target: Target): { method: string; path: string; body?: unknown } {
  const { method, path } = HANDLER_ROUTES[route];
  const filled = path
    .replace('{userId}', encodeURIComponent(target.victimId))
    .replace('{invitationId}', encodeURIComponent(target.invitationId));
  const bodies: Partial<Record<RouteName, unknown>> = {
    adminSetRole: { role: 'admin' },
    adminSetStatus: { status: 'disabled' },
    adminCreateInvitation: { role: 'admin' },
  };
  return { method, path: filled, ...(bodies[route] === undefined ? {} : { body: bodies[route] }) };
}

describe('admin routes: refused to every non-admin at the gateway, the guard and the core', () => {
  let stack: LocalStack;
  let stores: InMemoryStores;
  let target: Target;
  let baseline: readonly InvitationRecord[];
  const callers: Record<'guest' | 'shopper' | 'seller', DevauthClient> = {} as never;
  let victim: DevauthClient;
  let shopperIdentityId: string;
  let sellerIdentityId: string;

  const clientFor = (): DevauthClient =>
    createDevauthClient({ baseUrl: stack.endpoint, region, cognito: { endpoint: stack.emulator.endpoint } });

  /** What an attack must leave as it was: the victim, its session, the invitation and the number of invitations. */
  async function expectNothingChanged(): Promise<void> {
    const stored = await stores.users.findById(target.victimId);
    expect(stored).toMatchObject({ role: 'shopper', status: 'active' });
    // The same invitations, none used, revoked or added (an admin invitation would be a way in).
    expect((await stores.invitations.list({ limit: 100 })).invitations).toEqual(baseline);
  }

  beforeAll(async () => {
    stores = createInMemoryStores();
    stack = await startLocalStack({
      region,
      stores,
      guardCacheTtlSeconds: 0,
      devauth: { hasher: fastHasher(), commonPasswords: staticCommonPasswords([]) },
    });
    victim = clientFor();
    const registered = await victim.register({ username: 'victor', password });
    await victim.login({ username: 'victor', password });
    callers.guest = clientFor();
    await callers.guest.guest();
    callers.shopper = clientFor();
    await callers.shopper.register({ username: 'sam', password });
    shopperIdentityId = (await callers.shopper.login({ username: 'sam', password })).identityId;
    const sellerInvitation = await stack.devauth.createInvitation.execute({ role: 'seller' });
    callers.seller = clientFor();
    await callers.seller.register({
      username: 'selma',
      password,
      role: 'seller',
      invitationCode: sellerInvitation.code,
    });
    sellerIdentityId = (await callers.seller.login({ username: 'selma', password })).identityId;
    const pending = await stack.devauth.createInvitation.execute({ role: 'seller' });
    rememberSecrets(pending.code, sellerInvitation.code);
    target = { victimId: registered.user.id, invitationId: digestSecretToken(pending.code) };
    baseline = (await stores.invitations.list({ limit: 100 })).invitations;
    expect(baseline.map((invitation) => invitation.codeHash)).toContain(target.invitationId);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('declares nine admin routes, every one of them admin-only', () => {
    expect(ADMIN_ROUTES).toHaveLength(9);
    for (const route of ADMIN_ROUTES) expect(HANDLER_ROUTES[route].path.startsWith('/admin/')).toBe(true);
  });

  describe.each(['guest', 'shopper', 'seller'] as const)('at the gateway, with %s credentials', (kind) => {
    it.each(ADMIN_ROUTES)('%s: 403 from IAM (execute-api:Invoke denied), nothing changed', async (route) => {
      const request = requestOf(route, target);
      const response = await callers[kind].signedFetch(`${stack.endpoint}${request.path}`, {
        method: request.method,
        ...(request.body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) }),
      });
      expect(response.status).toBe(403);
      // API Gateway's own denial, not a devauth error body: the request never reached a handler.
      expect(await response.text()).toMatch(/is not authorized to perform: execute-api:Invoke/);
      await expectNothingChanged();
    });
  });

  describe('at the guard, with forged events that skip the gateway', () => {
    /** A v1 AWS_IAM event as API Gateway would pass it, for an identity of the pool, with any principal tags. */
    function forged(route: RouteName, identityId: string): ApiGatewayProxyEvent {
      const request = requestOf(route, target);
      const template = HANDLER_ROUTES[route].path;
      const pathParameters: Record<string, string> = {};
      if (template.includes('{userId}')) pathParameters.userId = target.victimId;
      if (template.includes('{invitationId}')) pathParameters.invitationId = target.invitationId;
      return {
        resource: template,
        path: request.path,
        httpMethod: request.method,
        headers: { 'content-type': 'application/json', 'x-amz-principal-tag-role': 'admin' },
        multiValueHeaders: {},
        queryStringParameters: null,
        pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
        body: request.body === undefined ? null : JSON.stringify(request.body),
        isBase64Encoded: false,
        requestContext: {
          resourcePath: template,
          httpMethod: request.method,
          path: request.path,
          stage: 'prod',
          accountId: '123456789012',
          requestId: crypto.randomUUID(),
          // Claims the admin role everywhere a tag could be read from; only the stored role counts.
          principalTags: { role: 'admin' },
          identity: {
            sourceIp: '203.0.113.7',
            cognitoIdentityId: identityId,
            cognitoIdentityPoolId: stack.identityPoolId,
            cognitoAuthenticationType: 'authenticated',
            cognitoAuthenticationProvider: `login.devauth,login.devauth:${identityId}`,
            userArn: 'arn:aws:sts::123456789012:assumed-role/devauth-admin/CognitoIdentityCredentials',
          },
        },
      } as unknown as ApiGatewayProxyEvent;
    }

    it.each(ADMIN_ROUTES)('%s: a shopper or seller identity is refused 403, nothing changed', async (route) => {
      for (const identityId of [shopperIdentityId, sellerIdentityId]) {
        const result = await stack.handlers[route](forged(route, identityId));
        expect(result.statusCode).toBe(403);
        expect(JSON.parse(result.body ?? '{}').error.code).toBe('FORBIDDEN');
      }
      await expectNothingChanged();
    });

    it.each(ADMIN_ROUTES)('%s: an identity of another pool, or none, is refused (401/403)', async (route) => {
      const event = forged(route, shopperIdentityId) as unknown as {
        requestContext: { identity: Record<string, unknown> };
      };
      event.requestContext.identity.cognitoIdentityPoolId = 'us-east-1:11111111-1111-4111-8111-111111111111';
      const otherPool = await stack.handlers[route](event as unknown as ApiGatewayProxyEvent);
      expect([401, 403]).toContain(otherPool.statusCode);
      event.requestContext.identity.cognitoIdentityId = null;
      const none = await stack.handlers[route](event as unknown as ApiGatewayProxyEvent);
      expect([401, 403]).toContain(none.statusCode);
      await expectNothingChanged();
    });
  });

  describe('at the core, called directly with a non-admin actor', () => {
    it('every admin operation refuses a shopper and a seller with AdminRequiredError, nothing changed', async () => {
      const admin = stack.devauth.admin;
      for (const username of ['sam', 'selma']) {
        const user = (await stores.users.findByUsername(username))!;
        const actor = { kind: 'user' as const, userId: user.id };
        const attempts: Array<() => Promise<unknown>> = [
          () => admin.listUsers(actor, {}),
          () => admin.getUser(actor, target.victimId),
          () => admin.setRole(actor, target.victimId, 'admin'),
          () => admin.setRole(actor, user.id, 'admin'),
          () => admin.setStatus(actor, target.victimId, 'disabled'),
          () => admin.deleteUser(actor, target.victimId),
          () => admin.revokeSessions(actor, target.victimId),
          () => admin.createInvitation(actor, { role: 'admin' }),
          () => admin.listInvitations(actor, {}),
          () => admin.revokeInvitation(actor, target.invitationId),
        ];
        for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(AdminRequiredError);
      }
      await expectNothingChanged();
      // The victim's session survived every attempt.
      await expect(victim.refresh()).resolves.toMatchObject({ role: 'shopper' });
    });

    it('a demoted admin is refused on the very next call, through the gateway too', async () => {
      const operator = { kind: 'operator' as const, name: 'attack-suite' };
      const adminClient = clientFor();
      await stack.devauth.register.execute(
        { username: 'ada', password, role: 'admin' },
        { actor: { isAdministrator: true } },
      );
      const ada = await adminClient.login({ username: 'ada', password });
      expect(ada.role).toBe('admin');
      await expect(adminClient.admin.getUser(target.victimId)).resolves.toMatchObject({ username: 'victor' });
      await stack.devauth.admin.setRole(operator, ada.user!.id, 'shopper');
      // Her credentials still carry role=admin for their lifetime (the documented residual window at the gateway);
      // the guard and the core read the stored role, so the next admin call is refused all the same.
      await expect(adminClient.admin.getUser(target.victimId)).rejects.toMatchObject({ status: 403 });
      await expect(adminClient.refresh()).rejects.toMatchObject({ status: 401 });
      await expect(
        stack.devauth.admin.getUser({ kind: 'user', userId: ada.user!.id }, target.victimId),
      ).rejects.toBeInstanceOf(AdminRequiredError);
    });
  });
});
