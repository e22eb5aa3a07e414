import { ConfigurationError, TOKENS } from '@devauth/core';
import { FakeIdentityBroker } from '@devauth/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfiguredHandlers, createHandlersFromConfig } from '../src/app.js';
import { captureLogger, context, fastHasher, POOL_ID, parse, v1Event, v2Event } from './support.js';

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
    expect(devauth.config.roles).toEqual(['shopper', 'seller']);
    expect((await users.findByIdentityId(session.identityId))?.username).toBe('alice');
    expect(logger.records.map((r) => (r.outcome as { statusCode: number }).statusCode)).toEqual([201, 200, 200]);
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
