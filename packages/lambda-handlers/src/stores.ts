/**
 * The stores of a deployment, built from its store settings alone (`StoreConfig`): the composition root uses all of
 * them, an app function's guard only the user store (`userLookupFromEnv`), and neither loads more than the adapter,
 * driver and SDK client of the store actually chosen (each is a dynamic import).
 */
import {
  type AccountTokenStore,
  ConfigurationError,
  type GuestLinkStore,
  type InvitationStore,
  type LoginAttemptStore,
  type RefreshTokenStore,
  type UserStore,
} from '@devauth/core';
import type { StoreConfig } from './config.js';
import { postgresConnection } from './postgres-connection.js';

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

export interface Stores {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly invitations: InvitationStore;
  readonly guestLinks: GuestLinkStore;
  readonly accountTokens: AccountTokenStore;
  readonly close: () => Promise<void>;
}

export async function createStores(config: StoreConfig): Promise<Stores> {
  switch (config.store) {
    case 'memory': {
      const testing = await import('@devauth/core/testing');
      return {
        users: new testing.InMemoryUserStore(),
        refreshTokens: new testing.InMemoryRefreshTokenStore(),
        loginAttempts: new testing.InMemoryLoginAttemptStore(),
        invitations: new testing.InMemoryInvitationStore(),
        guestLinks: new testing.InMemoryGuestLinkStore(),
        accountTokens: new testing.InMemoryAccountTokenStore(),
        close: async () => {},
      };
    }
    case 'pglite': {
      const [{ PGlite }, postgres] = await Promise.all([
        import('@electric-sql/pglite'),
        import('@devauth/adapters-postgres'),
      ]);
      // PGlite makes its data directory but not the parents: create them, so a fresh path works the first time.
      if (config.pgliteDataDir)
        await (await import('node:fs/promises')).mkdir(config.pgliteDataDir, { recursive: true });
      const db = await PGlite.create(config.pgliteDataDir);
      const client = postgres.fromPGlite(db);
      // PGlite is embedded and usually fresh: bring its schema up to date here (cheap when already current).
      await postgres.migrate(client);
      return { ...postgres.createPostgresStores(client), close: () => db.close() };
    }
    case 'postgres': {
      const [pg, postgres] = await Promise.all([import('pg'), import('@devauth/adapters-postgres')]);
      const { Pool } = pg.default ?? pg;
      // The URL, or the RDS secret (read now; its password re-read by new connections after a rotation).
      const connection = await postgresConnection(config);
      // One Lambda environment serves one request at a time: a tiny pool, re-used across warm invocations.
      // Migrations are not run here (concurrent cold starts would queue on the lock): run `migrate` at deploy time.
      const pool = new Pool({ ...connection.poolConfig, max: 2, ...POSTGRES_TIMEOUTS });
      // pg emits 'error' on the pool when an idle connection dies (a server restart): without a listener Node exits.
      // The next statement simply opens a new connection.
      pool.on('error', () => {});
      const close = async () => {
        try {
          await pool.end();
        } finally {
          connection.close();
        }
      };
      return { ...postgres.createPostgresStores(postgres.fromPgPool(pool)), close };
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
        accountTokens: stores.accountTokens,
        close: async () => client.destroy(),
      };
    }
    default:
      throw new ConfigurationError(`Unknown store "${String((config as { store: unknown }).store)}".`);
  }
}
