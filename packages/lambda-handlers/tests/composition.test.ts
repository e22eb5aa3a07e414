import { type AddressInfo, createServer, type Socket } from 'node:net';
import { ConfigurationError, TOKENS } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfiguredHandlers, createHandlersFromConfig } from '../src/app.js';
import { routesWithAccess } from '../src/routes.js';
import { DYNAMODB_CLIENT, POSTGRES_TIMEOUTS } from '../src/stores.js';
import { captureLogger, context, FIXTURES, fastHasher, iamEvent, POOL_ID, parse, v1Event, v2Event } from './support.js';

const PASSWORD = 'correct horse battery staple 42';
const opened: ConfiguredHandlers[] = [];

afterEach(async () => {
  for (const handlers of opened.splice(0)) await (await handlers.composition()).close();
});

describe.each(['memory', 'pglite'] as const)('handlers composed from configuration (store %s)', (store) => {
  it('registers, logs in, refreshes and answers me through the tsyringe composition', async () => {
    const logger = captureLogger();
    const handlers = createHandlersFromConfig(
      { store, broker: 'fake', identityPoolId: POOL_ID, corsOrigins: ['https://app.example.com'] },
      { logger, overrides: { [TOKENS.PasswordHasher]: fastHasher() } },
    );
    opened.push(handlers);
    const registered = await handlers.register(
      v1Event({ path: '/auth/register', body: { username: 'alice', password: PASSWORD } }),
    );
    expect(registered.statusCode).toBe(201);
    const loggedIn = await handlers.login(v2Event({ body: { username: 'alice', password: PASSWORD } }), context());
    expect(loggedIn.statusCode).toBe(200);
    const session = parse(loggedIn) as { identityId: string; refreshToken: string };
    const refreshed = await handlers.refresh(
      v2Event({ path: '/auth/refresh', body: { refreshToken: session.refreshToken } }),
    );
    expect(refreshed.statusCode).toBe(200);

    const { devauth, users } = await handlers.composition();
    // The core's default roles, `admin` included (held only by whom the operator or an administrator makes one).
    expect(devauth.config.roles).toEqual(['shopper', 'seller', 'admin']);
    expect((await users.findByIdentityId(session.identityId))?.username).toBe('alice');
    expect(logger.records.map((r) => (r.outcome as { statusCode: number }).statusCode)).toEqual([201, 200, 200]);
  });
});

describe('admin routes composed from configuration', () => {
  const operator = { kind: 'operator', name: 'composition-test' } as const;

  async function signedIn(handlers: ConfiguredHandlers, username: string) {
    await handlers.register(v1Event({ path: '/auth/register', body: { username, password: PASSWORD } }));
    const user = await (await handlers.composition()).users.findByUsername(username);
    return user!.id;
  }
  async function identityOf(handlers: ConfiguredHandlers, username: string) {
    const login = parse(await handlers.login(v2Event({ body: { username, password: PASSWORD } })));
    return { identityId: login.identityId as string, authenticated: true };
  }

  it('serves an administrator and writes the audit trail to the log, without a secret', async () => {
    const logger = captureLogger();
    const handlers = createHandlersFromConfig(
      { store: 'memory', broker: 'fake', identityPoolId: POOL_ID },
      { logger, overrides: { [TOKENS.PasswordHasher]: fastHasher() } },
    );
    opened.push(handlers);
    const rootId = await signedIn(handlers, 'root');
    await signedIn(handlers, 'alice');
    await (await handlers.composition()).devauth.admin.setRole(operator, rootId, 'admin');
    const root = await identityOf(handlers, 'root');
    const alice = await identityOf(handlers, 'alice');

    const listed = await handlers.adminListUsers(iamEvent(1, FIXTURES.v1Iam, root), context());
    expect(listed.statusCode).toBe(200);
    expect((parse(listed).users as Array<{ username: string }>).map((user) => user.username)).toEqual([
      'alice',
      'root',
    ]);
    const created = await handlers.adminCreateInvitation(
      iamEvent(2, FIXTURES.v2Iam, root, { role: 'seller' }),
      context(),
    );
    expect(created.statusCode).toBe(201);
    const { code } = (parse(created) as { invitation: { code: string } }).invitation;
    expect((await handlers.adminListUsers(iamEvent(1, FIXTURES.v1Iam, alice), context())).statusCode).toBe(403);

    const audit = logger.records.filter((record) => record.message === 'audit');
    expect(audit.map((record) => (record.audit as { action: string }).action)).toEqual([
      'set_role',
      'list_users',
      'create_invitation',
    ]);
    expect(audit[0]).toMatchObject({ audit: { actor: { kind: 'operator', name: 'composition-test' } } });
    const hash = (await (await handlers.composition()).users.findById(rootId))!.passwordHash;
    for (const secret of [code, PASSWORD, hash]) expect(logger.lines.join('\n')).not.toContain(secret);
  });

  it('refuses the admin routes (403, not a 500) when the configured roles have no admin', async () => {
    const handlers = createHandlersFromConfig(
      { store: 'memory', broker: 'fake', identityPoolId: POOL_ID, roles: ['shopper', 'seller'] },
      { logger: captureLogger(), overrides: { [TOKENS.PasswordHasher]: fastHasher() } },
    );
    opened.push(handlers);
    await signedIn(handlers, 'alice');
    const alice = await identityOf(handlers, 'alice');
    // Bodies are read (bounded, parsed) before the caller is checked, as on every route: give the ones that need one.
    const bodies: Record<string, unknown> = {
      adminSetRole: { role: 'seller' },
      adminSetStatus: { status: 'disabled' },
      adminCreateInvitation: { role: 'seller' },
    };
    for (const route of routesWithAccess('admin')) {
      const answer = await handlers[route](iamEvent(2, FIXTURES.v2Iam, alice, bodies[route]), context());
      expect(answer.statusCode, route).toBe(403);
      expect(parse(answer)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    expect((await handlers.me(iamEvent(2, FIXTURES.v2Iam, alice), context())).statusCode).toBe(200);
  });
});

describe('composition overrides', () => {
  it('uses an overridden broker instead of the configured one', async () => {
    const broker = new FakeIdentityBroker({ identityPoolId: POOL_ID });
    const handlers = createHandlersFromConfig(
      { store: 'memory', identityPoolId: POOL_ID, developerProviderName: 'login.devauth.test' },
      { logger: captureLogger(), overrides: new Map<symbol, unknown>([[TOKENS.IdentityBroker, broker]]) },
    );
    opened.push(handlers);
    const guest = parse(await handlers.guest(v1Event({ path: '/auth/guest' }))) as { identityId: string };
    // The configured broker is Cognito; the guest came from the override, which knows it.
    const linked = await broker.getTokenForUser({
      developerUserId: 'u',
      identityId: guest.identityId,
      principalTags: {},
      tokenDurationSeconds: 60,
    });
    expect(linked.identityId).toBe(guest.identityId);
  });

  it('refuses an invalid configuration before any request', () => {
    expect(() => createHandlersFromConfig({ store: 'dynamodb' })).toThrow(ConfigurationError);
    expect(() => createHandlersFromConfig({ store: 'memory', broker: 'fake', roles: ['guest'] })).toThrow(
      ConfigurationError,
    );
  });
});

describe('store clients of a Lambda deployment have bounded waits', () => {
  /** A server that accepts connections and never answers: a hung database or a black-holed route. */
  async function silentServer() {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      connections: () => sockets.length,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it('postgres: a hung server answers 503 after connectionTimeoutMillis instead of hanging', async () => {
    const silent = await silentServer();
    try {
      const handlers = createHandlersFromConfig(
        { store: 'postgres', databaseUrl: `postgresql://devauth@127.0.0.1:${silent.port}/devauth`, broker: 'fake' },
        { logger: captureLogger(), overrides: { [TOKENS.PasswordHasher]: fastHasher() } },
      );
      opened.push(handlers);
      const started = Date.now();
      const result = await handlers.login(v2Event({ body: { username: 'alice', password: PASSWORD } }));
      const elapsed = Date.now() - started;
      expect(result.statusCode).toBe(503);
      expect(result.headers['retry-after']).toBe('5');
      expect(elapsed).toBeGreaterThanOrEqual(POSTGRES_TIMEOUTS.connectionTimeoutMillis - 100);
      expect(elapsed).toBeLessThan(POSTGRES_TIMEOUTS.connectionTimeoutMillis + 3_000);
    } finally {
      await silent.close();
    }
  });

  it('dynamodb: a hung endpoint answers 503 after maxAttempts request timeouts instead of hanging', async () => {
    const silent = await silentServer();
    const saved = { ...process.env };
    // The SDK's own configuration sources: a service endpoint override and static credentials.
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${silent.port}`;
    process.env.AWS_ACCESS_KEY_ID = 'composition-test';
    process.env.AWS_SECRET_ACCESS_KEY = 'composition-test';
    try {
      const handlers = createHandlersFromConfig(
        { store: 'dynamodb', tableName: 'devauth-composition', region: 'eu-west-1', broker: 'fake' },
        { logger: captureLogger(), overrides: { [TOKENS.PasswordHasher]: fastHasher() } },
      );
      opened.push(handlers);
      const started = Date.now();
      const result = await handlers.register(
        v1Event({ path: '/auth/register', body: { username: 'alice', password: PASSWORD } }),
      );
      const elapsed = Date.now() - started;
      expect(result.statusCode).toBe(503);
      expect(result.headers['retry-after']).toBe('2');
      const { maxAttempts, requestHandler } = DYNAMODB_CLIENT;
      // Each attempt times out and its connection is dropped: one connection per attempt.
      expect(silent.connections()).toBe(maxAttempts);
      expect(elapsed).toBeGreaterThanOrEqual(maxAttempts * requestHandler.requestTimeout - 100);
      expect(elapsed).toBeLessThan(maxAttempts * requestHandler.requestTimeout + 3_000);
    } finally {
      for (const key of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      await silent.close();
    }
  }, 20_000);
});
