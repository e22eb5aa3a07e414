/**
 * `@devauth/adapters-postgres`: devauth's user, refresh-token, login-attempt, invitation, guest-link and account-token
 * stores on PostgreSQL, through `pg` or PGlite (both optional peer dependencies: pass your own client), with
 * versioned SQL migrations.
 * `@devauth/adapters-postgres/testing` starts a throwaway PostgreSQL server for tests and benchmarks.
 */
export { PostgresFailure, UPSTREAM } from './errors.js';
export { MIGRATIONS, type Migration, type MigrationReport, migrate } from './migrate.js';
export { PostgresAccountTokenStore } from './postgres-account-token-store.js';
export { PostgresGuestLinkStore } from './postgres-guest-link-store.js';
export { PostgresInvitationStore } from './postgres-invitation-store.js';
export { PostgresLoginAttemptStore } from './postgres-login-attempt-store.js';
export { PostgresRefreshTokenStore } from './postgres-refresh-token-store.js';
export { createPostgresStores, type PostgresStores } from './postgres-stores.js';
export { PostgresUserStore } from './postgres-user-store.js';
export {
  fromPGlite,
  fromPgClient,
  fromPgPool,
  type PGliteLike,
  type PGliteTransactionLike,
  type PgClientLike,
  type PgPoolClientLike,
  type PgPoolLike,
  type SqlClient,
  type SqlExecutor,
  type SqlResult,
  type SqlRow,
  type SqlTransaction,
} from './sql-client.js';
