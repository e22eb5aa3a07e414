/**
 * The composition root at the Lambda edge: picks adapters from the configuration, registers them in a tsyringe
 * container under the core's port tokens, then lets `registerDevauth` wire the use cases. Loaded only through a
 * dynamic import (see `composeDevauth` in index.ts), so tsyringe and the adapters cost nothing until first use; each
 * adapter package, database driver and SDK client is imported only for the store or broker actually chosen.
 */
import 'reflect-metadata';
import {
  ConfigurationError,
  type Devauth,
  type GuestLinkStore,
  type IdentityBroker,
  type InvitationStore,
  type LoginAttemptStore,
  type RefreshTokenStore,
  TOKENS,
  type UserStore,
} from '@devauth/core';
import { registerDevauth } from '@devauth/core/composition';
import { container as rootContainer } from 'tsyringe';
import type { ComposeOptions, Composition, Overrides } from './composition-types.js';
import { coreConfigOf, type HandlerConfig } from './config.js';

/**
 * Bounded waits for the stores of a Lambda deployment, as the adapters' READMEs advise. Without them pg waits for ever
 * for a connection or an answer, and the AWS SDK only warns when a request outlives `requestTimeout`: a hung database
 * would hold every invocation until the Lambda (or API Gateway's 29 s) timeout instead of answering 503.
 */
export const POSTGRES_TIMEOUTS = {
  connectionTimeoutMillis: 2_000,
  // Server side first: the statement is cancelled and rolled back, and the connection stays usable.
  statement_timeout: 5_000,
  // Client side backstop, for a server that stopped answering altogether.
  query_timeout: 6_000,
} as const;

export const DYNAMODB_CLIENT = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;

interface Stores {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly invitations: InvitationStore;
  readonly guestLinks: GuestLinkStore;
  readonly close: () => Promise<void>;
}

const STORE_TOKENS = {
  users: TOKENS.UserStore,
  refreshTokens: TOKENS.RefreshTokenStore,
  loginAttempts: TOKENS.LoginAttemptStore,
  invitations: TOKENS.InvitationStore,
  guestLinks: TOKENS.GuestLinkStore,
} as const;

function overrideEntries(overrides: Overrides | undefined): [symbol, unknown][] {
  if (!overrides) return [];
  if (overrides instanceof Map) return [...overrides.entries()];
  const record = overrides as Readonly<Record<symbol, unknown>>;
  return Object.getOwnPropertySymbols(record).map((token) => [token, record[token]]);
}

export async function composeDevauth(config: HandlerConfig, options: ComposeOptions = {}): Promise<Composition> {
  const container = (options.container ?? rootContainer).createChildContainer();
  const overridden = new Set<symbol>();
  for (const [token, value] of overrideEntries(options.overrides)) {
    container.register(token, { useValue: value });
    overridden.add(token);
  }

  let close = async () => {};
  // Stores are built only when some store port is not overridden (tests may override all of them).
  if (Object.values(STORE_TOKENS).some((token) => !overridden.has(token))) {
    const stores = await createStores(config);
    close = stores.close;
    for (const [name, token] of Object.entries(STORE_TOKENS)) {
      if (!overridden.has(token)) container.register(token, { useValue: stores[name as keyof typeof STORE_TOKENS] });
    }
  }
  if (!overridden.has(TOKENS.IdentityBroker)) {
    container.register(TOKENS.IdentityBroker, { useValue: await createBroker(config) });
  }
  registerDevauth(container, { config: coreConfigOf(config) });
  const broker = container.resolve<IdentityBroker & { readonly identityPoolId?: unknown }>(TOKENS.IdentityBroker);
  const identityPoolId =
    config.identityPoolId ?? (typeof broker.identityPoolId === 'string' ? broker.identityPoolId : '');
  return {
    devauth: container.resolve<Devauth>(TOKENS.Devauth),
    users: container.resolve<UserStore>(TOKENS.UserStore),
    identityPoolId,
    container,
    close,
  };
}

async function createStores(config: HandlerConfig): Promise<Stores> {
  switch (config.store) {
    case 'memory': {
      const testing = await import('@devauth/core/testing');
      return {
        users: new testing.InMemoryUserStore(),
        refreshTokens: new testing.InMemoryRefreshTokenStore(),
        loginAttempts: new testing.InMemoryLoginAttemptStore(),
        invitations: new testing.InMemoryInvitationStore(),
        guestLinks: new testing.InMemoryGuestLinkStore(),
        close: async () => {},
      };
    }
    case 'pglite': {
      const [{ PGlite }, postgres] = await Promise.all([
        import('@electric-sql/pglite'),
        import('@devauth/adapters-postgres'),
      ]);
      const db = await PGlite.create(config.pgliteDataDir);
      const client = postgres.fromPGlite(db);
      // PGlite is embedded and usually fresh: bring its schema up to date here (cheap when already current).
      await postgres.migrate(client);
      return { ...postgres.createPostgresStores(client), close: () => db.close() };
    }
    case 'postgres': {
      const [pg, postgres] = await Promise.all([import('pg'), import('@devauth/adapters-postgres')]);
      const { Pool } = pg.default ?? pg;
      // One Lambda environment serves one request at a time: a tiny pool, re-used across warm invocations.
      // Migrations are not run here (concurrent cold starts would queue on the lock): run `migrate` at deploy time.
      const pool = new Pool({ connectionString: config.databaseUrl, max: 2, ...POSTGRES_TIMEOUTS });
      // pg emits 'error' on the pool when an idle connection dies (a server restart): without a listener Node exits.
      // The next statement simply opens a new connection.
      pool.on('error', () => {});
      return { ...postgres.createPostgresStores(postgres.fromPgPool(pool)), close: () => pool.end() };
    }
    case 'dynamodb': {
      const [{ DynamoDBClient }, dynamodb] = await Promise.all([
        import('@aws-sdk/client-dynamodb'),
        import('@devauth/adapters-dynamodb'),
      ]);
      const client = new DynamoDBClient({ ...(config.region ? { region: config.region } : {}), ...DYNAMODB_CLIENT });
      const stores = dynamodb.createDynamoDbStores({ client, tableName: config.tableName ?? '' });
      return {
        users: stores.users,
        refreshTokens: stores.refreshTokens,
        loginAttempts: stores.loginAttempts,
        invitations: stores.invitations,
        guestLinks: stores.guestLinks,
        close: async () => client.destroy(),
      };
    }
    default:
      throw new ConfigurationError(`Unknown store "${String((config as { store: unknown }).store)}".`);
  }
}

async function createBroker(config: HandlerConfig): Promise<IdentityBroker> {
  if (config.broker === 'fake') {
    const { FakeIdentityBroker } = await import('@devauth/core/testing');
    return new FakeIdentityBroker({
      ...(config.identityPoolId ? { identityPoolId: config.identityPoolId } : {}),
      ...(config.developerProviderName ? { developerProviderName: config.developerProviderName } : {}),
      ...(config.region ? { region: config.region } : {}),
    });
  }
  const { createCognitoIdentityBroker } = await import('@devauth/adapters-cognito');
  // The broker creates its client on first use, from these settings.
  return createCognitoIdentityBroker({
    identityPoolId: config.identityPoolId ?? '',
    developerProviderName: config.developerProviderName ?? '',
    clientConfig: {
      ...(config.region ? { region: config.region } : {}),
      ...(config.cognitoEndpoint ? { endpoint: config.cognitoEndpoint } : {}),
    },
  });
}
