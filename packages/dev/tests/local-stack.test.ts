import { createServer } from 'node:net';
import { createDevauthClient } from '@devauth/client';
import { createInMemoryStores } from '@devauth/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../src/index.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function canBind(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('startLocalStack', () => {
  let stack: LocalStack;
  const seen: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      stores: createInMemoryStores(),
      routes: [
        {
          method: 'GET',
          path: '/products',
          roles: ['guest', 'shopper'],
          handler: ({ caller }) => {
            seen.push(caller.kind);
            return { body: { products: ['teapot'], role: caller.role } };
          },
        },
        { method: 'POST', path: '/products', roles: ['seller'], handler: () => ({ statusCode: 201 }) },
      ],
    });
  });
  afterAll(() => stack.stop());

  it('serves the auth routes, GET /me and the app routes behind IAM and the guard, through one gateway', async () => {
    const client = createDevauthClient({
      baseUrl: stack.endpoint,
      region: stack.region,
      cognito: { endpoint: stack.emulator.endpoint },
    });
    const guest = await client.guest();
    expect(guest.identityId.startsWith(`${stack.region}:`)).toBe(true);

    const browse = await client.signedFetch(`${stack.endpoint}/products`);
    expect(browse.status).toBe(200);
    expect(await browse.json()).toEqual({ products: ['teapot'], role: 'guest' });
    expect(seen).toEqual(['guest']);

    // The guest role's IAM policy has no POST /products: the gateway refuses before the handler or the guard run.
    const create = await client.signedFetch(`${stack.endpoint}/products`, { method: 'POST', body: '{}' });
    expect(create.status).toBe(403);
    expect(((await create.json()) as { message: string }).message).toMatch(/not authorized to perform/);

    expect((await client.me()).kind).toBe('guest');
    // Unsigned calls to an AWS_IAM route never reach a handler.
    expect((await fetch(`${stack.endpoint}/products`)).status).toBe(403);
    expect(seen).toEqual(['guest']);
  });

  it('derives the access table from the routes: GET /me for every default role, the account and admin routes', () => {
    expect(stack.accessTable.routes.map((route) => `${route.method} ${route.path} ${route.roles.join(',')}`)).toEqual([
      'GET /me guest,shopper,seller,admin',
      'POST /me/password shopper,seller,admin',
      'DELETE /me shopper,seller,admin',
      'GET /me/sessions shopper,seller,admin',
      'DELETE /me/sessions/{familyId} shopper,seller,admin',
      'POST /me/sessions/revoke-others shopper,seller,admin',
      'DELETE /me/sessions shopper,seller,admin',
      'POST /me/email shopper,seller,admin',
      'POST /me/email/verification shopper,seller,admin',
      // The admin routes: the admin role alone.
      'GET /admin/users admin',
      'GET /admin/users/{userId} admin',
      'PUT /admin/users/{userId}/role admin',
      'PUT /admin/users/{userId}/status admin',
      'DELETE /admin/users/{userId} admin',
      'DELETE /admin/users/{userId}/sessions admin',
      'POST /admin/invitations admin',
      'GET /admin/invitations admin',
      'DELETE /admin/invitations/{invitationId} admin',
      'GET /products guest,shopper',
      'POST /products seller',
    ]);
  });
});

describe('startLocalStack email routes', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ stores: createInMemoryStores(), guardCacheTtlSeconds: 0 });
  });
  afterAll(() => stack.stop());

  it('serves POST /auth/email/verify open, and /me/email and /me/email/verification only signed', async () => {
    const client = createDevauthClient({
      baseUrl: stack.endpoint,
      region: stack.region,
      cognito: { endpoint: stack.emulator.endpoint },
    });
    const password = 'a long passphrase nobody guesses';
    await client.register({ username: 'ada', password, email: 'ada@example.com' });
    const token = stack.outbox!.latest('email-verification', 'ada@example.com')!.message.token;
    // Open: no signature needed to follow a link.
    const verified = await fetch(`${stack.endpoint}/auth/email/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ user: { username: 'ada', emailVerified: true } });
    // AWS_IAM: unsigned calls never reach a handler.
    for (const path of ['/me/email', '/me/email/verification']) {
      expect((await fetch(`${stack.endpoint}${path}`, { method: 'POST', body: '{}' })).status).toBe(403);
    }
    await client.login({ username: 'ada', password });
    expect(await client.resendEmailVerification()).toEqual({ alreadyVerified: true });
    expect(await client.changeEmail({ password, newEmail: 'ada@new.example.com' })).toEqual({
      sentTo: 'ada@new.example.com',
    });
  });
});

describe('startLocalStack admin routes', () => {
  let stack: LocalStack;
  const password = 'a long passphrase nobody guesses';
  const clientOf = () =>
    createDevauthClient({
      baseUrl: stack.endpoint,
      region: stack.region,
      cognito: { endpoint: stack.emulator.endpoint },
    });
  /** Every admin route, with a concrete path, as a signed request would send it. */
  const adminCalls = (userId: string) =>
    [
      ['GET', '/admin/users'],
      ['GET', `/admin/users/${userId}`],
      ['PUT', `/admin/users/${userId}/role`, { role: 'admin' }],
      ['PUT', `/admin/users/${userId}/status`, { status: 'disabled' }],
      ['DELETE', `/admin/users/${userId}`],
      ['DELETE', `/admin/users/${userId}/sessions`],
      ['POST', '/admin/invitations', { role: 'admin' }],
      ['GET', '/admin/invitations'],
      ['DELETE', '/admin/invitations/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ] as const;
  const call = (client: ReturnType<typeof clientOf>, [method, path, body]: readonly [string, string, unknown?]) =>
    client.signedFetch(`${stack.endpoint}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    stack = await startLocalStack({ stores: createInMemoryStores(), guardCacheTtlSeconds: 0 });
  });
  afterAll(() => stack.stop());

  it('refuses a shopper and a guest at the gateway (IAM), before any handler runs', async () => {
    const shopper = clientOf();
    await shopper.register({ username: 'mallory', password });
    await shopper.login({ username: 'mallory', password });
    const mallory = (await stack.stores.users.findByUsername('mallory'))!;
    expect(mallory.role).toBe('shopper');
    const guest = clientOf();
    await guest.guest();
    for (const request of adminCalls(mallory.id)) {
      for (const client of [shopper, guest]) {
        const response = await call(client, request);
        expect({ request: request.slice(0, 2), status: response.status }).toEqual({
          request: request.slice(0, 2),
          status: 403,
        });
        // The gateway's IAM answer (the handler's own would be `{ error: { code } }`).
        expect(((await response.json()) as { message: string }).message).toMatch(/not authorized to perform/);
      }
    }
    // Nothing was changed: mallory is still an active shopper, and no invitation exists.
    expect(await stack.stores.users.findById(mallory.id)).toMatchObject({ role: 'shopper', status: 'active' });
    expect((await stack.stores.invitations.list({ limit: 10 })).invitations).toEqual([]);
    // Unsigned calls never reach a handler either.
    expect((await fetch(`${stack.endpoint}/admin/users`)).status).toBe(403);
  });

  it('serves an administrator (made by the operator) through IAM, the guard and the handler', async () => {
    const admin = clientOf();
    await admin.register({ username: 'root', password });
    const root = (await stack.stores.users.findByUsername('root'))!;
    await stack.devauth.admin.setRole({ kind: 'operator', name: 'test' }, root.id, 'admin');
    // The role travels as the principal tag of a new login.
    await admin.login({ username: 'root', password });
    const listed = await call(admin, ['GET', '/admin/users']);
    expect(listed.status).toBe(200);
    const { users } = (await listed.json()) as { users: Array<{ username: string; role: string }> };
    expect(users.map((user) => [user.username, user.role])).toEqual(
      expect.arrayContaining([
        ['mallory', 'shopper'],
        ['root', 'admin'],
      ]),
    );
  });
});

describe('startLocalStack without the admin role', () => {
  it('does not serve the admin routes (no caller could pass them)', async () => {
    const stack = await startLocalStack({ stores: createInMemoryStores(), meRoles: ['guest', 'shopper', 'seller'] });
    try {
      expect(stack.accessTable.routes.some((route) => route.path.startsWith('/admin'))).toBe(false);
      const response = await fetch(`${stack.endpoint}/admin/users`);
      expect(response.status).toBe(404);
    } finally {
      await stack.stop();
    }
  });
});

describe('startLocalStack lifecycle', () => {
  it('refuses an invalid route before it starts anything', async () => {
    const port = await freePort();
    await expect(
      startLocalStack({
        stores: createInMemoryStores(),
        emulator: { port },
        routes: [{ method: 'GET', path: 'products', roles: ['guest'], handler: () => ({}) }],
      }),
    ).rejects.toThrow(/products/);
    expect(await canBind(port)).toBe(true);
  });

  it('stops the gateway and the emulator with one stop(), and a second stop() is harmless', async () => {
    const stack = await startLocalStack({ stores: createInMemoryStores() });
    const gatewayPort = Number(new URL(stack.endpoint).port);
    const emulatorPort = Number(new URL(stack.emulator.endpoint).port);
    expect(await canBind(gatewayPort)).toBe(false);
    await stack.stop();
    await stack.stop();
    expect(await canBind(gatewayPort)).toBe(true);
    expect(await canBind(emulatorPort)).toBe(true);
  });

  it('stops what it started when a later part fails to start', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const gatewayPort = (taken.address() as { port: number }).port;
    const emulatorPort = await freePort();
    try {
      await expect(
        startLocalStack({ stores: createInMemoryStores(), emulator: { port: emulatorPort }, gatewayPort }),
      ).rejects.toThrow(/EADDRINUSE/);
      expect(await canBind(emulatorPort)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
