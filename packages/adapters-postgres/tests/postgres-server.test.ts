import { randomUUID } from 'node:crypto';
import {
  createPostgresStores,
  fromPgClient,
  fromPgPool,
  migrate,
  type PostgresStores,
  type SqlClient,
} from '@devauth/adapters-postgres';
import {
  describeAccountTokenStoreContract,
  describeGuestLinkStoreContract,
  describeInvitationStoreContract,
  describeLoginAttemptStoreContract,
  describeRefreshTokenStoreContract,
  describeUserStoreContract,
} from '@devauth/core/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  itImportsLikeCreate,
  itListsLikeTheOtherStores,
  itListsThroughIndexes,
  itResolvesConflictsCommittedMeanwhile,
} from './support/administration-checks.js';
import {
  type CountingClient,
  itCountsRoundTrips,
  itGuardsRefreshFamilies,
  itKeepsIdentityIdsUnique,
  itKeepsOneAccountTokenRowPerUserAndPurpose,
  itKeepsValuesOutOfErrors,
  itReservesLikeTheCore,
} from './support/engine-checks.js';
import { createSchema, newPool, provideServer, type TestSchema } from './support/engines.js';
import pg, { type Client, type Pool } from './support/pg.js';

// One server for the whole file (a throwaway cluster, or DATABASE_URL), started before anything is collected.
const server = await provideServer();
afterAll(async () => {
  await server?.close();
});

describe.skipIf(!server)('PostgreSQL 15 server through a pg Pool (20 connections)', () => {
  let schema: TestSchema;
  let pool: Pool;
  let client: SqlClient;
  let stores: PostgresStores;
  let connectionsOpened = 0;
  beforeAll(async () => {
    schema = await createSchema(server!.url, 'server');
    pool = newPool(schema.poolConfig);
    pool.on('connect', () => connectionsOpened++);
    client = fromPgPool(pool);
    await migrate(client);
    stores = createPostgresStores(client);
  });
  afterAll(async () => {
    await pool?.end();
    await schema?.drop();
  });

  // Default concurrency: 100 parallel registrations, 20 parallel links of one IdentityId, 20 parallel rotations, 50
  // parallel failures and reservations, 20 consumers of an invitation, of a guest link and of an account token.
  describeUserStoreContract('PostgreSQL (pg Pool)', { setup: () => stores.users });
  it('ran those races on 20 server connections at once, and kept them through every unique violation', () => {
    // pg-pool opens another connection only when every open one is busy; a refused registration must not cost one.
    expect(pool.totalCount).toBe(20);
    expect(connectionsOpened).toBe(20);
  });
  describeRefreshTokenStoreContract('PostgreSQL (pg Pool)', { setup: () => stores.refreshTokens });
  describeLoginAttemptStoreContract('PostgreSQL (pg Pool)', { setup: () => stores.loginAttempts });
  describeInvitationStoreContract('PostgreSQL (pg Pool)', { setup: () => stores.invitations });
  describeGuestLinkStoreContract('PostgreSQL (pg Pool)', { setup: () => stores.guestLinks });
  describeAccountTokenStoreContract('PostgreSQL (pg Pool)', { setup: () => stores.accountTokens });

  describe('round trips (statements reaching a pooled pg connection)', () => {
    itCountsRoundTrips((): CountingClient => {
      let statements = 0;
      const counted = fromPgPool({
        connect: async () => {
          const connection = await pool.connect();
          return {
            query: (text: string, values?: unknown[]) => {
              statements++;
              return connection.query(text, values);
            },
            release: (destroy?: Error | boolean) => connection.release(destroy),
            on: (event: 'error', listener: (error: Error) => void) => connection.on(event, listener),
            removeListener: (event: 'error', listener: (error: Error) => void) =>
              connection.removeListener(event, listener),
          };
        },
      });
      return { client: counted, count: () => statements, reset: () => (statements = 0) };
    });
  });

  describe('errors', () => {
    itKeepsValuesOutOfErrors(() => client);
  });

  describe('refresh-token families', () => {
    itGuardsRefreshFamilies(() => client);
  });

  describe('reservations (the throttle policy in SQL)', () => {
    itReservesLikeTheCore(() => client);
  });

  describe('IdentityId uniqueness', () => {
    itKeepsIdentityIdsUnique(() => client);
  });

  describe('account tokens', () => {
    itKeepsOneAccountTokenRowPerUserAndPurpose(() => client);
  });

  describe('administration (listings and import)', () => {
    itListsThroughIndexes(() => client);
    itListsLikeTheOtherStores(() => client);
    itImportsLikeCreate(() => client);
    itResolvesConflictsCommittedMeanwhile(() => pool);
  });
});

/**
 * The listings where PostgreSQL's default collation is a linguistic one (ICU en-US, as on many managed servers): it
 * orders `B` after `a` and `é` before `f`, so only `COLLATE "C"` gives the other stores' order and a
 * prefix range. A database of its own (the collation is the database's); on the throwaway cluster only, where the
 * tests may create one.
 */
describe.skipIf(!server?.cluster)('PostgreSQL 15 server, a database collated by ICU en-US', () => {
  const database = `devauth_icu_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  let pool: Pool;
  let client: SqlClient;
  let stores: PostgresStores;
  /** A statement on the cluster's own database (`database` is built here from hex digits only). */
  async function onServer(text: string): Promise<void> {
    const admin = new pg.Client({ connectionString: server!.url });
    await admin.connect();
    try {
      await admin.query(text);
    } finally {
      await admin.end();
    }
  }
  beforeAll(async () => {
    await onServer(
      `CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`,
    );
    const url = new URL(server!.url);
    url.pathname = `/${database}`;
    pool = newPool({ connectionString: url.toString() });
    client = fromPgPool(pool);
    await migrate(client);
    stores = createPostgresStores(client);
    // The premise: this database's default order is not code point order (where 'B' < 'a' and 'f' < 'é').
    const { rows } = await pool.query("SELECT 'B' < 'a' AS upper_first, 'f' < 'é' AS accent_last");
    expect(rows[0]).toEqual({ upper_first: false, accent_last: false });
  });
  afterAll(async () => {
    await pool?.end();
    await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  describeUserStoreContract('PostgreSQL (ICU en-US database)', { setup: () => stores.users }, { concurrency: 20 });
  describeInvitationStoreContract('PostgreSQL (ICU en-US database)', { setup: () => stores.invitations });
  itListsThroughIndexes(() => client);
  itListsLikeTheOtherStores(() => client);
});

describe.skipIf(!server)('PostgreSQL 15 server through one pg.Client', () => {
  let schema: TestSchema;
  let connection: Client;
  beforeAll(async () => {
    schema = await createSchema(server!.url, 'client');
    connection = new pg.Client(schema.poolConfig);
    connection.on('error', () => {}); // pg requires a listener on a long-lived client
    await connection.connect();
    await migrate(fromPgClient(connection));
  });
  afterAll(async () => {
    await connection?.end();
    await schema?.drop();
  });

  // One connection serializes the 100 contenders: the contract still holds, uniqueness is the index's.
  describeUserStoreContract('PostgreSQL (single pg.Client)', {
    setup: () => createPostgresStores(fromPgClient(connection)).users,
  });
});
