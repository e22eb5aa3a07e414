/**
 * `client.admin`: the exact request each admin method sends (signed, method, URL, query, body) and how it reads the
 * answers and refusals. A fake fetch plays the devauth API and a fake request handler Cognito, so every call goes
 * through createDevauthClient's real credentials provider and SigV4 signing.
 */
import { describe, expect, it } from 'vitest';
import {
  createDevauthClient,
  DEFAULT_PATHS,
  type DevauthClientOptions,
  type DevauthUser,
  type InvitationSummary,
  isDevauthClientError,
} from '../src/index.js';

const BASE = 'https://api.example.com/prod';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const noContent = () => new Response(null, { status: 204 });

const user = (overrides: Partial<DevauthUser> = {}): DevauthUser => ({
  id: 'u1',
  username: 'ada',
  email: 'ada@example.com',
  emailVerified: true,
  role: 'shopper',
  identityId: 'eu-west-1:00000000-0000-4000-8000-000000000001',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  ...overrides,
});
const admin = user({ id: 'admin-1', username: 'root', role: 'admin' });

interface SentRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | undefined;
}

/** Cognito's GetCredentialsForIdentity, answered locally: the credentials provider never leaves the process. */
const cognitoHandler = {
  handle: async () => ({
    response: {
      statusCode: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: new TextEncoder().encode(
        JSON.stringify({
          IdentityId: admin.identityId,
          Credentials: { AccessKeyId: 'AKIDADMIN', SecretKey: 'secret', SessionToken: 'token', Expiration: 4102444800 },
        }),
      ),
    },
  }),
};

/** A client signed in as `admin`; `answer` plays every admin route, `sent` records what reached it. */
async function signedInAdmin(
  answer: (request: SentRequest) => Response | Promise<Response> = () => noContent(),
  overrides: Partial<DevauthClientOptions> = {},
) {
  const sent: SentRequest[] = [];
  const client = createDevauthClient({
    baseUrl: `${BASE}/`,
    region: 'eu-west-1',
    cognito: { requestHandler: cognitoHandler } as DevauthClientOptions['cognito'],
    fetch: async (input, init) => {
      const url = new URL(input);
      if (url.pathname === `/prod${DEFAULT_PATHS.login}`) {
        return json(200, {
          identityId: admin.identityId,
          openIdToken: 'oid',
          openIdTokenExpiresAt: '2100-01-01T00:00:00.000Z',
          role: 'admin',
          refreshToken: 'rt_admin',
          refreshTokenExpiresAt: '2100-01-01T00:00:00.000Z',
          user: admin,
        });
      }
      const request = {
        method: init?.method ?? 'GET',
        url,
        headers: new Headers(init?.headers),
        body: typeof init?.body === 'string' ? init.body : undefined,
      };
      sent.push(request);
      return answer(request);
    },
    ...overrides,
  });
  await client.login({ username: 'root', password: 'a long passphrase' });
  return { client, sent };
}

/** What a request looks like, for exact comparisons: method, full URL, body, JSON content type when a body is sent. */
const shape = (request: SentRequest | undefined) => ({
  method: request?.method,
  url: request?.url.toString(),
  body: request?.body,
  contentType: request?.headers.get('content-type') ?? null,
});

describe('client.admin: users', () => {
  it('listUsers without a query sends GET /admin/users with no query string, signed, and decodes the page', async () => {
    const page = { users: [user(), user({ id: 'u2', username: 'bob' })], nextCursor: 'cur_2' };
    const { client, sent } = await signedInAdmin(() => json(200, page));
    expect(await client.admin.listUsers()).toEqual(page);
    expect(shape(sent[0])).toEqual({ method: 'GET', url: `${BASE}/admin/users`, body: undefined, contentType: null });
    expect(sent[0]?.headers.get('authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDADMIN\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
    expect(sent[0]?.headers.get('x-amz-security-token')).toBe('token');
  });

  it('listUsers sends every set field, encoded, in a fixed order, and omits the unset ones', async () => {
    const { client, sent } = await signedInAdmin(() => json(200, { users: [], nextCursor: null }));
    await client.admin.listUsers({
      usernamePrefix: 'ad a',
      email: 'ada+x@example.com',
      role: 'seller',
      status: 'disabled',
      cursor: 'c/1=&?',
      limit: 10,
    });
    expect(sent[0]?.url.toString()).toBe(
      `${BASE}/admin/users?usernamePrefix=ad%20a&email=ada%2Bx%40example.com&role=seller&status=disabled&cursor=c%2F1%3D%26%3F&limit=10`,
    );
    expect(Object.fromEntries(sent[0]?.url.searchParams ?? [])).toEqual({
      usernamePrefix: 'ad a',
      email: 'ada+x@example.com',
      role: 'seller',
      status: 'disabled',
      cursor: 'c/1=&?',
      limit: '10',
    });

    await client.admin.listUsers({ role: 'seller', email: undefined, cursor: undefined, limit: 5 });
    expect(sent[1]?.url.toString()).toBe(`${BASE}/admin/users?role=seller&limit=5`);
    await client.admin.listUsers({});
    expect(sent[2]?.url.search).toBe('');
    await client.admin.listUsers({ status: 'active' });
    expect(sent[3]?.url.search).toBe('?status=active');
  });

  it('getUser sends GET /admin/users/{userId} and resolves with the user', async () => {
    const { client, sent } = await signedInAdmin(() => json(200, { user: user() }));
    expect(await client.admin.getUser('u1')).toEqual(user());
    expect(shape(sent[0])).toEqual({
      method: 'GET',
      url: `${BASE}/admin/users/u1`,
      body: undefined,
      contentType: null,
    });
  });

  it('setRole sends PUT /admin/users/{userId}/role with { role } and resolves with the changed user', async () => {
    const { client, sent } = await signedInAdmin(() => json(200, { user: user({ role: 'seller' }) }));
    expect(await client.admin.setRole('u1', 'seller')).toEqual(user({ role: 'seller' }));
    expect(shape(sent[0])).toEqual({
      method: 'PUT',
      url: `${BASE}/admin/users/u1/role`,
      body: '{"role":"seller"}',
      contentType: 'application/json',
    });
  });

  it('setStatus, disableUser and enableUser send PUT /admin/users/{userId}/status with { status }', async () => {
    const { client, sent } = await signedInAdmin(({ body }) =>
      json(200, { user: user({ status: JSON.parse(body ?? '{}').status }) }),
    );
    expect((await client.admin.setStatus('u1', 'disabled')).status).toBe('disabled');
    expect((await client.admin.enableUser('u1')).status).toBe('active');
    expect((await client.admin.disableUser('u1')).status).toBe('disabled');
    expect(sent.map(shape)).toEqual(
      ['disabled', 'active', 'disabled'].map((status) => ({
        method: 'PUT',
        url: `${BASE}/admin/users/u1/status`,
        body: JSON.stringify({ status }),
        contentType: 'application/json',
      })),
    );
  });

  it('deleteUser sends DELETE /admin/users/{userId} without a body and resolves on 204', async () => {
    const { client, sent } = await signedInAdmin(() => noContent());
    await expect(client.admin.deleteUser('u1')).resolves.toBeUndefined();
    expect(shape(sent[0])).toEqual({
      method: 'DELETE',
      url: `${BASE}/admin/users/u1`,
      body: undefined,
      contentType: null,
    });
  });

  it('revokeSessions sends DELETE /admin/users/{userId}/sessions and resolves with the count', async () => {
    const { client, sent } = await signedInAdmin(() => json(200, { revokedSessions: 3 }));
    expect(await client.admin.revokeSessions('u1')).toEqual({ revokedSessions: 3 });
    expect(shape(sent[0])).toEqual({
      method: 'DELETE',
      url: `${BASE}/admin/users/u1/sessions`,
      body: undefined,
      contentType: null,
    });
  });

  it('allUsers follows nextCursor with the same filters, through short and empty pages, one page at a time', async () => {
    const pages: Record<string, { users: DevauthUser[]; nextCursor: string | null }> = {
      start: { users: [user({ id: 'a' }), user({ id: 'b' })], nextCursor: 'c1' },
      c1: { users: [], nextCursor: 'c2' },
      c2: { users: [user({ id: 'c' })], nextCursor: null },
    };
    const { client, sent } = await signedInAdmin(({ url }) =>
      json(200, pages[url.searchParams.get('cursor') ?? 'start']),
    );
    const ids: string[] = [];
    for await (const found of client.admin.allUsers({ role: 'seller', limit: 2 })) ids.push(found.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(sent.map((request) => request.url.search)).toEqual([
      '?role=seller&limit=2',
      '?role=seller&cursor=c1&limit=2',
      '?role=seller&cursor=c2&limit=2',
    ]);

    // Lazy: stopping early reads no further page.
    sent.length = 0;
    for await (const found of client.admin.allUsers({ role: 'seller', limit: 2 })) {
      expect(found.id).toBe('a');
      break;
    }
    expect(sent).toHaveLength(1);
  });

  it('allUsers stops with HTTP_ERROR when the server hands back the cursor it was given', async () => {
    const { client } = await signedInAdmin(() => json(200, { users: [user()], nextCursor: 'same' }));
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const found of client.admin.allUsers({ cursor: 'same' })) seen.push(found.id);
    })().catch((caught: unknown) => caught);
    expect(isDevauthClientError(failure, 'HTTP_ERROR')).toBe(true);
    expect(seen).toEqual(['u1']);
  });
});

describe('client.admin: invitations', () => {
  const summary: InvitationSummary = {
    id: 'Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9',
    role: 'seller',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-08T00:00:00.000Z',
    usedAt: null,
    status: 'pending',
  };

  it('createInvitation sends POST /admin/invitations with { role, ttlSeconds? } and resolves with the invitation', async () => {
    const invitation = { id: summary.id, code: 'inv_secret', role: 'seller', expiresAt: summary.expiresAt };
    const { client, sent } = await signedInAdmin(() => json(201, { invitation }));
    expect(await client.admin.createInvitation({ role: 'seller', ttlSeconds: 3600 })).toEqual(invitation);
    expect(await client.admin.createInvitation({ role: 'admin' })).toEqual(invitation);
    expect(sent.map(shape)).toEqual([
      {
        method: 'POST',
        url: `${BASE}/admin/invitations`,
        body: '{"role":"seller","ttlSeconds":3600}',
        contentType: 'application/json',
      },
      { method: 'POST', url: `${BASE}/admin/invitations`, body: '{"role":"admin"}', contentType: 'application/json' },
    ]);
  });

  it('listInvitations sends GET /admin/invitations with cursor and limit only when set, and decodes the page', async () => {
    const page = {
      invitations: [summary, { ...summary, usedAt: summary.expiresAt, status: 'used' }],
      nextCursor: null,
    };
    const { client, sent } = await signedInAdmin(() => json(200, page));
    expect(await client.admin.listInvitations()).toEqual(page);
    await client.admin.listInvitations({ cursor: 'c 1', limit: 20 });
    await client.admin.listInvitations({ limit: 1 });
    expect(sent.map((request) => [request.method, request.url.toString(), request.body])).toEqual([
      ['GET', `${BASE}/admin/invitations`, undefined],
      ['GET', `${BASE}/admin/invitations?cursor=c%201&limit=20`, undefined],
      ['GET', `${BASE}/admin/invitations?limit=1`, undefined],
    ]);
  });

  it('revokeInvitation sends DELETE /admin/invitations/{invitationId} and resolves on 204', async () => {
    const { client, sent } = await signedInAdmin(() => noContent());
    await expect(client.admin.revokeInvitation(summary.id)).resolves.toBeUndefined();
    expect(shape(sent[0])).toEqual({
      method: 'DELETE',
      url: `${BASE}/admin/invitations/${summary.id}`,
      body: undefined,
      contentType: null,
    });
  });
});

describe('client.admin: paths', () => {
  it('encodes path segments: a "/", "?" or "#" in an id stays inside its segment', async () => {
    const { client, sent } = await signedInAdmin(({ url }) =>
      url.pathname.endsWith('/sessions') ? json(200, { revokedSessions: 0 }) : json(200, { user: user() }),
    );
    await client.admin.getUser('a/b?c=d#e');
    await client.admin.setRole('../admin-1', 'admin');
    await client.admin.revokeSessions('x?y');
    await client.admin.revokeInvitation('i/../../users/u1');
    expect(sent.map((request) => [request.method, request.url.pathname, request.url.search, request.url.hash])).toEqual(
      [
        ['GET', '/prod/admin/users/a%2Fb%3Fc%3Dd%23e', '', ''],
        ['PUT', '/prod/admin/users/..%2Fadmin-1/role', '', ''],
        ['DELETE', '/prod/admin/users/x%3Fy/sessions', '', ''],
        ['DELETE', '/prod/admin/invitations/i%2F..%2F..%2Fusers%2Fu1', '', ''],
      ],
    );
  });

  it('refuses an empty, "." or ".." id before sending anything (URLs would resolve it to another route)', async () => {
    const { client, sent } = await signedInAdmin(() => json(200, { user: user() }));
    const attempts = [
      client.admin.getUser(''),
      client.admin.revokeSessions('.'), // would be DELETE /admin/users/sessions: deleteUser('sessions')
      client.admin.deleteUser('..'),
      client.admin.setStatus('..', 'disabled'),
      client.admin.revokeInvitation('.'),
    ];
    for (const attempt of attempts) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect(isDevauthClientError(error, 'VALIDATION_FAILED')).toBe(true);
      expect(error).toMatchObject({ status: 0, issues: [{ code: 'invalid_path_segment' }] });
    }
    expect(sent).toHaveLength(0);
  });

  it('uses the admin paths given in `paths`, with the defaults in DEFAULT_PATHS', async () => {
    expect(DEFAULT_PATHS).toMatchObject({ adminUsers: '/admin/users', adminInvitations: '/admin/invitations' });
    const { client, sent } = await signedInAdmin(() => noContent(), {
      paths: { adminUsers: '/ops/people', adminInvitations: '/ops/invites' },
    });
    await client.admin.deleteUser('u1');
    await client.admin.revokeInvitation('i1');
    expect(sent.map((request) => request.url.pathname)).toEqual(['/prod/ops/people/u1', '/prod/ops/invites/i1']);
  });
});

describe('client.admin: refusals and answers', () => {
  it("a non-admin's 403 ADMIN_REQUIRED becomes a DevauthClientError with the server's code and status", async () => {
    const { client } = await signedInAdmin(() =>
      json(403, { error: { code: 'ADMIN_REQUIRED', message: 'This operation is for administrators.' } }),
    );
    for (const call of [
      () => client.admin.listUsers(),
      () => client.admin.getUser('u1'),
      () => client.admin.setRole('u1', 'admin'),
      () => client.admin.deleteUser('u1'),
      () => client.admin.revokeSessions('u1'),
      () => client.admin.createInvitation({ role: 'admin' }),
      () => client.admin.listInvitations(),
      () => client.admin.revokeInvitation('i1'),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(isDevauthClientError(error, 'ADMIN_REQUIRED')).toBe(true);
      expect(error).toMatchObject({ status: 403, message: 'This operation is for administrators.' });
    }
  });

  it("the gateway's own 403 (IAM refused the role) becomes FORBIDDEN", async () => {
    const { client } = await signedInAdmin(() =>
      json(403, {
        message: 'User: arn:aws:sts::1:assumed-role/shopper/x is not authorized to perform: execute-api:Invoke',
      }),
    );
    const error = await client.admin.listUsers().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'DevauthClientError', code: 'FORBIDDEN', status: 403 });
  });

  it('passes the server codes of the admin routes through: 404, 409, 400 with issues', async () => {
    const answers = [
      json(404, { error: { code: 'USER_NOT_FOUND', message: 'No such user.' } }),
      json(409, {
        error: { code: 'ADMIN_SELF_CHANGE', message: 'An administrator cannot disable their own account.' },
      }),
      json(404, { error: { code: 'INVITATION_NOT_FOUND', message: 'No such invitation.' } }),
      json(400, {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'The request is invalid.',
          issues: [{ path: ['cursor'], code: 'invalid_cursor', message: 'does not match the filters' }],
        },
      }),
    ];
    const { client } = await signedInAdmin(() => answers.shift() ?? noContent());
    await expect(client.admin.getUser('nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND', status: 404 });
    await expect(client.admin.disableUser('admin-1')).rejects.toMatchObject({ code: 'ADMIN_SELF_CHANGE', status: 409 });
    await expect(client.admin.revokeInvitation('gone')).rejects.toMatchObject({
      code: 'INVITATION_NOT_FOUND',
      status: 404,
    });
    await expect(client.admin.listUsers({ cursor: 'other' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      issues: [{ path: ['cursor'], code: 'invalid_cursor', message: 'does not match the filters' }],
    });
  });

  it('rejects a 2xx answer without the expected field as HTTP_ERROR instead of resolving with undefined', async () => {
    const answers = [
      json(200, {}),
      json(200, { users: 'nope', nextCursor: null }),
      json(200, { invitations: [] }),
      json(201, { code: 'x' }),
      json(200, { revokedSessions: '3' }),
      new Response('not json', { status: 200 }),
    ];
    const { client } = await signedInAdmin(() => answers.shift() ?? noContent());
    for (const call of [
      () => client.admin.getUser('u1'),
      () => client.admin.listUsers(),
      () => client.admin.listInvitations(),
      () => client.admin.createInvitation({ role: 'seller' }),
      () => client.admin.revokeSessions('u1'),
      () => client.admin.setRole('u1', 'seller'),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(isDevauthClientError(error, 'HTTP_ERROR')).toBe(true);
    }
  });
});
