import { ADMIN_ROLE, type AdminActor, AdminRequiredError, nextVersion } from '@devauth/core';
import { InMemoryUserStore } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import type { ApiGatewayProxyEvent } from '../src/events.js';
import { HANDLER_ROUTES, type RouteName, routesWithAccess } from '../src/routes.js';
import { context, createTestApp, iamEvent, parse, VERSIONS } from './support.js';

const PASSWORD = 'correct horse battery staple 42';
const operator: AdminActor = { kind: 'operator', name: 'admin-test' };
const ADMIN_ROUTE_NAMES = routesWithAccess('admin');

type Identity = { identityId: string; authenticated: boolean };
type Version = (typeof VERSIONS)[number];
type Json = Record<string, unknown>;

interface AdminRequest {
  /** Values of the template's `{name}` parameters. */
  readonly params?: Record<string, string>;
  /** Query string, as pairs (repeats allowed) or raw text. */
  readonly query?: ReadonlyArray<readonly [string, string]> | string;
  readonly body?: unknown;
  /** The concrete path, when the route is mounted elsewhere; with it, no `pathParameters` are sent. */
  readonly mountedAt?: string;
}

/**
 * An IAM-signed event for an admin route, as API Gateway builds it: the route template (v1 `resource`, v2
 * `routeKey`), the concrete path, `pathParameters` and the query string in both of its forms for the version.
 */
function adminEvent(version: 1 | 2, base: Json, identity: Identity | null, route: RouteName, request: AdminRequest) {
  const event = iamEvent(version, base, identity, request.body) as unknown as Json & { requestContext: Json };
  const { method, path: template } = HANDLER_ROUTES[route];
  const path =
    request.mountedAt ??
    template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.params?.[name] ?? ''));
  const pathParameters = request.mountedAt || !template.includes('{') ? null : { ...request.params };
  const raw =
    typeof request.query === 'string'
      ? request.query
      : new URLSearchParams((request.query ?? []).map(([name, value]): [string, string] => [name, value])).toString();
  const pairs = [...new URLSearchParams(raw)];
  const multi: Record<string, string[]> = {};
  for (const [name, value] of pairs) multi[name] = [...(multi[name] ?? []), value];
  if (version === 1) {
    Object.assign(event, {
      httpMethod: method,
      resource: request.mountedAt ? '/{proxy+}' : template,
      path,
      pathParameters,
      queryStringParameters: pairs.length ? Object.fromEntries(pairs) : null,
      multiValueQueryStringParameters: pairs.length ? multi : null,
    });
    Object.assign(event.requestContext, { httpMethod: method, resourcePath: template, path: `/prod${path}` });
  } else {
    const routeKey = request.mountedAt ? '$default' : `${method} ${template}`;
    Object.assign(event, { routeKey, rawPath: path, rawQueryString: raw });
    if (pathParameters) event.pathParameters = pathParameters;
    // HTTP API joins repeated parameters with commas in the single-value map.
    if (pairs.length) {
      event.queryStringParameters = Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.join(',')]));
    }
    Object.assign(event.requestContext, { routeKey });
    Object.assign(event.requestContext.http as Json, { method, path });
  }
  return event as unknown as ApiGatewayProxyEvent;
}

/**
 * An instance with an administrator `root` (made by the operator), a shopper `alice` and a seller `bob`, each
 * signed in, plus helpers to call the admin routes as one of them.
 */
async function world({ version, event: make, iamBase }: Version, config: Parameters<typeof createTestApp>[0] = {}) {
  const app = createTestApp({ ...config, config: { passwordResetResponseFloorMs: 0, ...config.config } });
  const register = async (username: string) => {
    const answer = await app.handlers.register(
      make({ path: '/auth/register', body: { username, password: PASSWORD, email: `${username}@example.com` } }),
      context(),
    );
    expect(answer.statusCode).toBe(201);
    return (parse(answer) as { user: { id: string } }).user.id;
  };
  const login = async (username: string) => {
    const answer = await app.handlers.login(make({ body: { username, password: PASSWORD } }), context());
    expect(answer.statusCode).toBe(200);
    const session = parse(answer) as { identityId: string; refreshToken: string };
    return { ...session, identity: { identityId: session.identityId, authenticated: true } };
  };
  const ids = { root: await register('root'), alice: await register('alice'), bob: await register('bob') };
  if (app.devauth.config.roles.includes(ADMIN_ROLE)) await app.devauth.admin.setRole(operator, ids.root, ADMIN_ROLE);
  await app.devauth.admin.setRole(operator, ids.bob, 'seller');
  const sessions = { root: await login('root'), alice: await login('alice'), bob: await login('bob') };
  const call = (route: RouteName, identity: Identity | null, request: AdminRequest = {}) =>
    app.handlers[route](adminEvent(version, iamBase, identity, route, request), context());
  const refresh = (refreshToken: string) =>
    app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken } }), context());
  // What setting up did (the operator's role changes included) is not what the tests look at.
  app.events.events.splice(0);
  app.logger.records.splice(0);
  app.logger.lines.splice(0);
  return { app, ids, sessions, call, register, login, refresh, root: sessions.root.identity, make };
}

/** Valid arguments for every admin route (a target that exists, a body where one is needed). */
function validRequests(ids: { alice: string; bob: string }): Record<(typeof ADMIN_ROUTE_NAMES)[number], AdminRequest> {
  return {
    adminListUsers: { query: [['limit', '10']] },
    adminGetUser: { params: { userId: ids.alice } },
    adminSetRole: { params: { userId: ids.bob }, body: { role: 'shopper' } },
    adminSetStatus: { params: { userId: ids.alice }, body: { status: 'disabled' } },
    adminDeleteUser: { params: { userId: ids.alice } },
    // bob, not alice: in declaration order, alice is deleted before this runs.
    adminRevokeSessions: { params: { userId: ids.bob } },
    adminCreateInvitation: { body: { role: 'seller' } },
    adminListInvitations: {},
    adminRevokeInvitation: { params: { invitationId: 'a'.repeat(43) } },
  };
}

const usernames = (body: Json) => (body.users as Array<{ username: string }>).map((user) => user.username);

describe.each(VERSIONS)('admin routes with $name events', (v) => {
  it('lists users with filters and follows nextCursor to the end', async () => {
    const w = await world(v);
    await w.register('carol');
    await w.register('dave');
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const answer = await w.call('adminListUsers', w.root, {
        query: [['limit', '2'], ...(cursor ? [['cursor', cursor] as const] : [])],
      });
      expect(answer.statusCode).toBe(200);
      const body = parse(answer) as { users: Json[]; nextCursor: string | null };
      expect(body.users.length).toBeLessThanOrEqual(2);
      seen.push(...usernames(body));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(['alice', 'bob', 'carol', 'dave', 'root']);

    const filtered = async (query: Array<[string, string]>) => {
      const answer = await w.call('adminListUsers', w.root, { query });
      expect(answer.statusCode).toBe(200);
      return usernames(parse(answer));
    };
    expect(await filtered([['role', 'seller']])).toEqual(['bob']);
    expect(await filtered([['role', 'admin']])).toEqual(['root']);
    expect(await filtered([['usernamePrefix', 'Da']])).toEqual(['dave']);
    expect(await filtered([['email', 'CAROL@example.com']])).toEqual(['carol']);
    expect(await filtered([['status', 'disabled']])).toEqual([]);
    expect(await filtered([])).toEqual(['alice', 'bob', 'carol', 'dave', 'root']);

    const listed = await w.call('adminListUsers', w.root);
    expect((parse(listed).users as Json[])[0]).toEqual({
      id: w.ids.alice,
      username: 'alice',
      email: 'alice@example.com',
      emailVerified: false,
      role: 'shopper',
      identityId: w.sessions.alice.identityId,
      status: 'active',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(listed.body).not.toMatch(/passwordHash|argon2/);
  });

  it('listing: refuses a non-integer limit, a cursor of other filters, repeated and unknown parameters (400)', async () => {
    const w = await world(v);
    const refused = async (request: AdminRequest, field: string) => {
      const answer = await w.call('adminListUsers', w.root, request);
      expect(answer.statusCode).toBe(400);
      const body = parse(answer) as { error: { code: string; issues: Array<{ path: unknown[] }> } };
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.issues.map((issue) => issue.path[0])).toContain(field);
    };
    for (const limit of ['abc', '1.5', '', '0', '101', '1e3', '99999999999999999999']) {
      await refused({ query: [['limit', limit]] }, 'limit');
    }
    const first = parse(await w.call('adminListUsers', w.root, { query: [['limit', '1']] }));
    expect(first.nextCursor).toEqual(expect.any(String));
    await refused(
      {
        query: [
          ['cursor', first.nextCursor as string],
          ['role', 'seller'],
        ],
      },
      'cursor',
    );
    await refused({ query: [['cursor', 'not-a-cursor']] }, 'cursor');
    // A users cursor is not an invitations cursor.
    const invitations = await w.call('adminListInvitations', w.root, {
      query: [['cursor', first.nextCursor as string]],
    });
    expect(invitations.statusCode).toBe(400);
    await refused({ query: 'role=seller&role=admin' }, 'role');
    const unknown = await w.call('adminListUsers', w.root, { query: [['isAdministrator', 'true']] });
    expect(unknown.statusCode).toBe(400);
    expect(parse(unknown)).toMatchObject({ error: { issues: [{ code: 'unrecognized_keys' }] } });
    await refused({ query: [['role', 'superuser']] }, 'role');
    // A GET takes no body.
    const withBody = await w.call('adminListUsers', w.root, { body: { role: 'admin' } });
    expect(withBody.statusCode).toBe(400);
    expect(parse(withBody)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const huge = await w.call('adminListUsers', w.root, { body: { padding: 'x'.repeat(20_000) } });
    expect(huge.statusCode).toBe(413);
  });

  it('gets a user by its path parameter, also when mounted elsewhere; 404 for an unknown one', async () => {
    const w = await world(v);
    const got = await w.call('adminGetUser', w.root, { params: { userId: w.ids.bob } });
    expect(got.statusCode).toBe(200);
    expect(parse(got)).toMatchObject({ user: { id: w.ids.bob, username: 'bob', role: 'seller' } });
    expect(got.body).not.toMatch(/passwordHash|argon2/);
    // No pathParameters (a greedy or $default route under a prefix): read from the end of the path.
    const mounted = await w.call('adminGetUser', w.root, { mountedAt: `/prod/v1/admin/users/${w.ids.alice}` });
    expect(mounted.statusCode).toBe(200);
    expect(parse(mounted)).toMatchObject({ user: { id: w.ids.alice } });
    const role = await w.call('adminSetRole', w.root, {
      mountedAt: `/internal/admin/users/${w.ids.alice}/role`,
      body: { role: 'seller' },
    });
    expect(parse(role)).toMatchObject({ user: { id: w.ids.alice, role: 'seller' } });
    const unknown = await w.call('adminGetUser', w.root, {
      params: { userId: '0190a1b2-0000-7000-8000-000000000000' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(parse(unknown)).toMatchObject({ error: { code: 'USER_NOT_FOUND' } });
    // A catch-all route at the root: no id anywhere, refused by the core as any invalid id.
    const missing = await w.call('adminGetUser', w.root, { mountedAt: '/' });
    expect(missing.statusCode).toBe(400);
    expect(parse(missing)).toMatchObject({ error: { code: 'VALIDATION_FAILED', issues: [{ path: ['userId'] }] } });
  });

  it('sets a role: the demoted seller’s refresh token is refused afterwards; bad bodies 400, own role 409', async () => {
    const w = await world(v);
    const set = (userId: string, body: unknown) => w.call('adminSetRole', w.root, { params: { userId }, body });
    const demoted = await set(w.ids.bob, { role: 'shopper' });
    expect(demoted.statusCode).toBe(200);
    expect(parse(demoted)).toMatchObject({ user: { id: w.ids.bob, role: 'shopper' } });
    expect((await w.app.users.findById(w.ids.bob))?.role).toBe('shopper');
    const refreshed = await w.refresh(w.sessions.bob.refreshToken);
    expect(refreshed.statusCode).toBe(401);
    expect(parse(refreshed)).toMatchObject({ error: { code: 'REFRESH_TOKEN_INVALID' } });
    // The next login carries the new role.
    expect(parse(await w.refresh((await w.login('bob')).refreshToken))).toMatchObject({ role: 'shopper' });

    const unknownRole = await set(w.ids.bob, { role: 'superuser' });
    expect(unknownRole.statusCode).toBe(403);
    expect(parse(unknownRole)).toMatchObject({ error: { code: 'ROLE_NOT_ALLOWED' } });
    for (const body of [{}, { role: 42 }, { role: 'seller', status: 'active' }, ['seller'], 'seller']) {
      const answer = await set(w.ids.bob, body);
      expect(answer.statusCode).toBe(400);
      expect(parse(answer)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const noBody = await w.call('adminSetRole', w.root, { params: { userId: w.ids.bob } });
    expect(parse(noBody)).toMatchObject({ error: { code: 'INVALID_JSON' } });
    const self = await set(w.ids.root, { role: 'shopper' });
    expect(self.statusCode).toBe(409);
    expect(parse(self)).toMatchObject({ error: { code: 'ADMIN_SELF_CHANGE' } });
    expect((await w.app.users.findById(w.ids.root))?.role).toBe(ADMIN_ROLE);
    const unknownUser = await set('0190a1b2-0000-7000-8000-000000000000', { role: 'seller' });
    expect(unknownUser.statusCode).toBe(404);
  });

  it('disables a user: their refresh is refused and their identity passes no guard; enabling lets them log in', async () => {
    const w = await world(v);
    const set = (status: string) =>
      w.call('adminSetStatus', w.root, { params: { userId: w.ids.alice }, body: { status } });
    const disabled = await set('disabled');
    expect(disabled.statusCode).toBe(200);
    expect(parse(disabled)).toMatchObject({ user: { id: w.ids.alice, status: 'disabled' } });
    expect((await w.refresh(w.sessions.alice.refreshToken)).statusCode).toBe(401);
    const me = await w.app.handlers.me(iamEvent(v.version, v.iamBase, w.sessions.alice.identity), context());
    expect(me.statusCode).toBe(403);
    expect((await w.app.handlers.login(w.make({ body: { username: 'alice', password: PASSWORD } }))).statusCode).toBe(
      401,
    );
    const enabled = await set('active');
    expect(parse(enabled)).toMatchObject({ user: { status: 'active' } });
    expect((await w.login('alice')).refreshToken).toEqual(expect.any(String));

    expect((await set('deleted')).statusCode).toBe(400);
    const self = await w.call('adminSetStatus', w.root, {
      params: { userId: w.ids.root },
      body: { status: 'disabled' },
    });
    expect(self.statusCode).toBe(409);
    expect(parse(self)).toMatchObject({ error: { code: 'ADMIN_SELF_CHANGE' } });
  });

  it('deletes a user (204): gone from the store, no login; not one’s own account (409)', async () => {
    const w = await world(v);
    const deleted = await w.call('adminDeleteUser', w.root, { params: { userId: w.ids.alice } });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(await w.app.users.findById(w.ids.alice)).toBeNull();
    expect((await w.refresh(w.sessions.alice.refreshToken)).statusCode).toBe(401);
    expect((await w.app.handlers.login(w.make({ body: { username: 'alice', password: PASSWORD } }))).statusCode).toBe(
      401,
    );
    const again = await w.call('adminDeleteUser', w.root, { params: { userId: w.ids.alice } });
    expect(again.statusCode).toBe(404);
    const self = await w.call('adminDeleteUser', w.root, { params: { userId: w.ids.root } });
    expect(self.statusCode).toBe(409);
    expect(parse(self)).toMatchObject({ error: { code: 'ADMIN_SELF_CHANGE' } });
    const withBody = await w.call('adminDeleteUser', w.root, { params: { userId: w.ids.bob }, body: { force: 1 } });
    expect(withBody.statusCode).toBe(400);
    expect(await w.app.users.findById(w.ids.bob)).not.toBeNull();
  });

  it('revokes every session of a user: 200 { revokedSessions }, their refresh tokens refused', async () => {
    const w = await world(v);
    const second = await w.login('alice');
    const revoked = await w.call('adminRevokeSessions', w.root, { params: { userId: w.ids.alice } });
    expect(revoked.statusCode).toBe(200);
    expect(parse(revoked)).toEqual({ revokedSessions: 2 });
    for (const token of [w.sessions.alice.refreshToken, second.refreshToken]) {
      expect((await w.refresh(token)).statusCode).toBe(401);
    }
    // The user is not disabled: a new login works.
    expect((await w.login('alice')).refreshToken).toEqual(expect.any(String));
    const none = await w.call('adminRevokeSessions', w.root, { params: { userId: w.ids.bob } });
    expect(parse(none)).toEqual({ revokedSessions: 1 });
    expect(
      (await w.call('adminRevokeSessions', w.root, { params: { userId: '0190a1b2-0000-7000-8000-000000000000' } }))
        .statusCode,
    ).toBe(404);
  });

  it('creates, lists and revokes invitations; the code is in the creation answer only', async () => {
    const w = await world(v);
    const created = await w.call('adminCreateInvitation', w.root, { body: { role: 'seller', ttlSeconds: 3600 } });
    expect(created.statusCode).toBe(201);
    const { invitation } = parse(created) as {
      invitation: { id: string; code: string; role: string; expiresAt: string };
    };
    expect(Object.keys(invitation).sort()).toEqual(['code', 'expiresAt', 'id', 'role']);
    expect(invitation).toMatchObject({ role: 'seller', id: expect.stringMatching(/^[\w-]{43}$/) });
    expect(new Date(invitation.expiresAt).toISOString()).toBe(invitation.expiresAt);
    const other = parse(await w.call('adminCreateInvitation', w.root, { body: { role: 'admin' } })) as {
      invitation: { id: string; code: string };
    };

    const list = async (query: AdminRequest['query'] = []) => {
      const answer = await w.call('adminListInvitations', w.root, { query });
      expect(answer.statusCode).toBe(200);
      expect(answer.body).not.toContain(invitation.code);
      expect(answer.body).not.toContain(other.invitation.code);
      return parse(answer) as { invitations: Json[]; nextCursor: string | null };
    };
    const listed = await list();
    expect(listed.nextCursor).toBeNull();
    expect(listed.invitations.map((entry) => entry.id).sort()).toEqual([invitation.id, other.invitation.id].sort());
    expect(listed.invitations.find((entry) => entry.id === invitation.id)).toEqual({
      id: invitation.id,
      role: 'seller',
      status: 'pending',
      createdAt: expect.any(String),
      expiresAt: invitation.expiresAt,
      usedAt: null,
    });
    // One per page, following the cursor.
    const firstPage = await list([['limit', '1']]);
    expect(firstPage.invitations).toHaveLength(1);
    const secondPage = await list([
      ['limit', '1'],
      ['cursor', firstPage.nextCursor!],
    ]);
    expect([...firstPage.invitations, ...secondPage.invitations].map((entry) => entry.id).sort()).toEqual(
      listed.invitations.map((entry) => entry.id).sort(),
    );

    // The invitee registers with the code; the listing then shows it used.
    const registered = await w.app.handlers.register(
      w.make({
        path: '/auth/register',
        body: { username: 'sam', password: PASSWORD, role: 'seller', invitationCode: invitation.code },
      }),
      context(),
    );
    expect(registered.statusCode).toBe(201);
    expect((await list()).invitations.find((entry) => entry.id === invitation.id)).toMatchObject({
      status: 'used',
      usedAt: expect.any(String),
    });

    const revoke = (invitationId: string) => w.call('adminRevokeInvitation', w.root, { params: { invitationId } });
    expect((await revoke(other.invitation.id)).statusCode).toBe(204);
    const again = await revoke(other.invitation.id);
    expect(again.statusCode).toBe(404);
    expect(parse(again)).toMatchObject({ error: { code: 'INVITATION_NOT_FOUND' } });
    // The code itself is not an id: nothing to revoke by it (and nothing learnt).
    expect((await revoke(other.invitation.code)).statusCode).toBe(404);
    const withRevoked = await w.app.handlers.register(
      w.make({
        path: '/auth/register',
        body: { username: 'eve', password: PASSWORD, role: 'admin', invitationCode: other.invitation.code },
      }),
      context(),
    );
    expect(withRevoked.statusCode).toBe(403);

    for (const body of [{ role: 'seller', ttlSeconds: 10 }, { role: 'seller', code: 'inv_mine' }, {}]) {
      expect((await w.call('adminCreateInvitation', w.root, { body })).statusCode).toBe(400);
    }
    const unknownRole = await w.call('adminCreateInvitation', w.root, { body: { role: 'superuser' } });
    expect(unknownRole.statusCode).toBe(403);
    expect(parse(unknownRole)).toMatchObject({ error: { code: 'ROLE_NOT_ALLOWED' } });
    const all = w.app.logger.lines.join('\n');
    for (const code of [invitation.code, other.invitation.code]) expect(all).not.toContain(code);
  });

  it('records each admin action as an AdminAction audit line, with ids only: no code, password or hash', async () => {
    const w = await world(v);
    const created = parse(await w.call('adminCreateInvitation', w.root, { body: { role: 'seller' } })) as {
      invitation: { id: string; code: string };
    };
    const requests = validRequests(w.ids);
    requests.adminRevokeInvitation = { params: { invitationId: created.invitation.id } };
    for (const route of ADMIN_ROUTE_NAMES) {
      if (route === 'adminCreateInvitation') continue;
      const answer = await w.call(route, w.root, requests[route]);
      expect(answer.statusCode, route).toBeLessThan(300);
    }
    const actions = w.app.events.ofType('AdminAction');
    expect(actions.map((event) => event.action).sort()).toEqual(
      [
        'create_invitation',
        'delete_user',
        'get_user',
        'list_invitations',
        'list_users',
        'revoke_invitation',
        'revoke_sessions',
        'set_role',
        'set_status',
      ].sort(),
    );
    for (const event of actions) expect(event.actor).toEqual({ kind: 'user', userId: w.ids.root });
    expect(actions.find((event) => event.action === 'set_role')).toMatchObject({
      targetUserId: w.ids.bob,
      changes: { role: { from: 'seller', to: 'shopper' } },
    });
    const audit = w.app.logger.records.filter((record) => record.message === 'audit');
    expect(audit).toHaveLength(actions.length);
    expect(audit[0]).toMatchObject({
      level: 'INFO',
      audit: { type: 'AdminAction', action: 'create_invitation', invitationId: created.invitation.id },
    });
    const hashes = [
      (await w.app.users.findById(w.ids.root))!.passwordHash,
      (await w.app.users.findById(w.ids.bob))!.passwordHash,
    ];
    const output = w.app.logger.lines.join('\n') + JSON.stringify(w.app.events.events);
    for (const secret of [created.invitation.code, PASSWORD, ...hashes, w.sessions.root.refreshToken]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(/\$argon2|passwordHash|@example\.com/);
  });
});

describe.each(VERSIONS)('admin routes under attack, with $name events', (v) => {
  it('refuses every admin route to unsigned calls (401) and to guests, shoppers, sellers and strangers (403)', async () => {
    const w = await world(v);
    const requests = validRequests(w.ids);
    const guest = { identityId: 'us-east-1:99999999-2222-4333-8444-555555555555', authenticated: false };
    const stranger = { ...guest, authenticated: true };
    for (const route of ADMIN_ROUTE_NAMES) {
      const unsigned = await w.call(route, null, requests[route]);
      expect(unsigned.statusCode, route).toBe(401);
      expect(parse(unsigned)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      for (const identity of [guest, w.sessions.alice.identity, w.sessions.bob.identity, stranger]) {
        const answer = await w.call(route, identity, requests[route]);
        expect(answer.statusCode, `${route} as ${identity.identityId}`).toBe(403);
        expect(parse(answer)).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
      }
    }
    // Refused by the guard: the core was never asked, and nothing changed.
    expect(w.app.events.ofType('AdminAction')).toEqual([]);
    expect(w.app.events.ofType('AdminAccessDenied')).toEqual([]);
    expect(await w.app.users.findById(w.ids.alice)).toMatchObject({ status: 'active', role: 'shopper' });
    expect(await w.app.users.findById(w.ids.bob)).toMatchObject({ role: 'seller' });
    expect((await w.app.devauth.admin.listInvitations(operator, {})).invitations).toEqual([]);
    expect((await w.refresh(w.sessions.alice.refreshToken)).statusCode).toBe(200);
  });

  it('a forged event for a shopper claiming the admin role (tags, ARN, headers, body) is still 403', async () => {
    const w = await world(v);
    const forged = adminEvent(v.version, v.iamBase, w.sessions.alice.identity, 'adminSetRole', {
      params: { userId: w.ids.alice },
      body: { role: 'admin', isAdministrator: true },
    }) as unknown as Json & { headers: Json; requestContext: Json & { identity?: Json; authorizer?: Json } };
    const adminArn = 'arn:aws:sts::123456789012:assumed-role/devauth-admin/CognitoIdentityCredentials';
    Object.assign(forged.headers, { 'x-devauth-role': 'admin', 'x-amz-principal-tag-role': 'admin' });
    if (v.version === 1) {
      Object.assign(forged.requestContext.identity!, {
        userArn: adminArn,
        caller: 'AROAADMIN:CognitoIdentityCredentials',
      });
      forged.requestContext.authorizer = { principalTags: { role: 'admin' }, claims: { role: 'admin' } };
    } else {
      const iam = (forged.requestContext.authorizer as { iam: Json }).iam;
      Object.assign(iam, { userArn: adminArn, principalTags: { role: 'admin' } });
      (iam.cognitoIdentity as { amr: string[] }).amr.push('role:admin');
    }
    const answer = await w.app.handlers.adminSetRole(forged as never, context());
    expect(answer.statusCode).toBe(403);
    expect(parse(answer)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await w.app.users.findById(w.ids.alice))?.role).toBe('shopper');
  });

  it('if the guard were fooled (a lookup that claims admin), the core still refuses: 403 ADMIN_REQUIRED', async () => {
    // The guard's lookup lies (a stale replica, a tampered record); the core re-reads the actor by id.
    const users = new InMemoryUserStore();
    const lying = {
      findById: (id: string) => users.findById(id),
      findByIdentityId: async (identityId: string) => {
        const user = await users.findByIdentityId(identityId);
        return user && { ...user, role: ADMIN_ROLE };
      },
    };
    const w = await world(v, { users, guardUsers: lying });
    const requests = validRequests(w.ids);
    for (const route of ADMIN_ROUTE_NAMES) {
      const answer = await w.call(route, w.sessions.alice.identity, requests[route]);
      expect(answer.statusCode, route).toBe(403);
      expect(parse(answer)).toMatchObject({ error: { code: 'ADMIN_REQUIRED' } });
    }
    expect(w.app.events.ofType('AdminAccessDenied')).toHaveLength(ADMIN_ROUTE_NAMES.length);
    expect(w.app.events.ofType('AdminAction')).toEqual([]);
    expect(w.app.logger.records.filter((record) => record.message === 'audit')[0]).toMatchObject({
      level: 'WARN',
      audit: { type: 'AdminAccessDenied', actor: { kind: 'user', userId: w.ids.alice } },
    });
    expect(await w.app.users.findById(w.ids.alice)).toMatchObject({ status: 'active', role: 'shopper' });
  });

  it('an administrator demoted between two calls is refused on the second', async () => {
    const w = await world(v);
    const carol = await w.register('carol');
    await w.app.devauth.admin.setRole(operator, carol, ADMIN_ROLE);
    const second = (await w.login('carol')).identity;
    expect((await w.call('adminListUsers', second)).statusCode).toBe(200);
    // Demoted through the route by another administrator.
    expect(
      (await w.call('adminSetRole', w.root, { params: { userId: carol }, body: { role: 'shopper' } })).statusCode,
    ).toBe(200);
    expect((await w.call('adminListUsers', second)).statusCode).toBe(403);

    // Demoted in the store alone (the identity still linked, no revocation): the guard reads the stored role.
    const root = (await w.app.users.findById(w.ids.root))!;
    expect((await w.call('adminListUsers', w.root)).statusCode).toBe(200);
    await w.app.users.update(nextVersion(root, { role: 'seller' }, new Date()));
    const refused = await w.call('adminListUsers', w.root);
    expect(refused.statusCode).toBe(403);
    expect(parse(refused)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('a deployment whose roles lack admin answers 403 on every admin route, and still serves the others', async () => {
    const w = await world(v, { config: { roles: ['shopper', 'seller'] } });
    const requests = validRequests(w.ids);
    for (const identity of [w.sessions.root.identity, w.sessions.bob.identity]) {
      for (const route of ADMIN_ROUTE_NAMES) {
        const answer = await w.call(route, identity, requests[route]);
        expect(answer.statusCode, route).toBe(403);
        expect(parse(answer)).toMatchObject({ error: { code: 'FORBIDDEN' } });
      }
    }
    const me = await w.app.handlers.me(iamEvent(v.version, v.iamBase, w.sessions.root.identity), context());
    expect(me.statusCode).toBe(200);
    const sessions = await w.app.handlers.listSessions(
      iamEvent(v.version, v.iamBase, w.sessions.root.identity),
      context(),
    );
    expect(sessions.statusCode).toBe(200);
  });
});

describe('the core alone', () => {
  it('refuses every admin operation to a shopper or seller actor (AdminRequiredError), whatever the edge did', async () => {
    const w = await world(VERSIONS[0]!);
    const { admin } = w.app.devauth;
    const invitationId = 'a'.repeat(43);
    for (const userId of [w.ids.alice, w.ids.bob, 'no-such-user']) {
      const actor: AdminActor = { kind: 'user', userId };
      const calls: Array<Promise<unknown>> = [
        admin.listUsers(actor, {}),
        admin.getUser(actor, w.ids.root),
        admin.setRole(actor, userId, ADMIN_ROLE),
        admin.setStatus(actor, w.ids.root, 'disabled'),
        admin.deleteUser(actor, w.ids.root),
        admin.revokeSessions(actor, w.ids.root),
        admin.createInvitation(actor, { role: ADMIN_ROLE }),
        admin.listInvitations(actor, {}),
        admin.revokeInvitation(actor, invitationId),
      ];
      for (const call of calls) await expect(call).rejects.toBeInstanceOf(AdminRequiredError);
    }
    expect(await w.app.users.findById(w.ids.root)).toMatchObject({ role: ADMIN_ROLE, status: 'active' });
    expect((await w.app.users.findById(w.ids.alice))?.role).toBe('shopper');
  });
});

describe('the route declaration', () => {
  it('gives every admin route a handler and the admin role only', async () => {
    const app = createTestApp();
    for (const route of ADMIN_ROUTE_NAMES) {
      expect(typeof app.handlers[route]).toBe('function');
      expect(HANDLER_ROUTES[route].path.startsWith('/admin/')).toBe(true);
    }
    expect(ADMIN_ROUTE_NAMES).toHaveLength(9);
  });
});
