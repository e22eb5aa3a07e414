import {
  createPostgresStores,
  fromPGlite,
  MIGRATIONS,
  migrate,
  type PostgresStores,
  type SqlClient,
} from '@devauth/adapters-postgres';
import { countQueries } from '@devauth/adapters-postgres/testing';
import { UpstreamUnavailableError } from '@devauth/core';
import { sampleUser } from '@devauth/core/testing';
import {
  describeAccountTokenStoreContract,
  describeGuestLinkStoreContract,
  describeInvitationStoreContract,
  describeLoginAttemptStoreContract,
  describeRefreshTokenStoreContract,
  describeUserStoreContract,
} from '@devauth/core/testing/contracts';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  itImportsLikeCreate,
  itListsLikeTheOtherStores,
  itListsThroughIndexes,
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
import { newPGlite } from './support/engines.js';

describe('PGlite (embedded PostgreSQL)', () => {
  let db: PGlite;
  let client: SqlClient;
  let stores: PostgresStores;
  beforeAll(async () => {
    db = await newPGlite();
    client = fromPGlite(db);
    // Two migrators at once on a fresh database: every migration applied once, by one of them.
    const reports = await Promise.all([migrate(client), migrate(client)]);
    expect(reports.flatMap((report) => report.applied).sort()).toEqual(MIGRATIONS.map((m) => m.name));
    stores = createPostgresStores(client);
  });
  afterAll(async () => {
    if (db && !db.closed) await db.close();
  });

  describeUserStoreContract('PGlite', { setup: () => stores.users });
  describeRefreshTokenStoreContract('PGlite', { setup: () => stores.refreshTokens });
  describeLoginAttemptStoreContract('PGlite', { setup: () => stores.loginAttempts });
  describeInvitationStoreContract('PGlite', { setup: () => stores.invitations });
  describeGuestLinkStoreContract('PGlite', { setup: () => stores.guestLinks });
  describeAccountTokenStoreContract('PGlite', { setup: () => stores.accountTokens });

  it('recorded each migration once', async () => {
    const { rows } = await client.query<{ version: number; name: string }>(
      'SELECT version, name FROM devauth_migrations ORDER BY version',
    );
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    expect((await migrate(client)).applied).toEqual([]);
  });

  describe('round trips (statements reaching PGlite.query)', () => {
    itCountsRoundTrips((): CountingClient => {
      let statements = 0;
      const counted = fromPGlite({
        query: <T>(text: string, params?: unknown[]) => {
          statements++;
          return db.query<T>(text, params);
        },
        transaction: (callback) => db.transaction(callback),
      });
      return { client: counted, count: () => statements, reset: () => (statements = 0) };
    });
  });

  it('counts statements with the countQueries helper of ./testing (transactions included)', async () => {
    const counted = countQueries(client);
    await createPostgresStores(counted.client).users.findByUsername(sampleUser().username);
    expect(counted.count()).toBe(1);
    counted.reset();
    // Already migrated: per migration, lock + catalog check + version check.
    await migrate(counted.client);
    expect(counted.count()).toBe(3 * MIGRATIONS.length);
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
  });

  // Last: it closes the database the tests above share.
  describe('a closed database', () => {
    it('is unavailable, not a driver error', async () => {
      await db.close();
      await expect(stores.users.findByUsername(sampleUser().username)).rejects.toBeInstanceOf(UpstreamUnavailableError);
      await expect(stores.users.create(sampleUser())).rejects.toMatchObject({
        upstream: 'postgres',
        retryAfterSeconds: 5,
        cause: { code: 'PGLITE_CLOSED' },
      });
    });
  });
});
