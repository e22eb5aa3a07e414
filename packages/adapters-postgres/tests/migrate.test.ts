import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPostgresStores,
  fromPgPool,
  MIGRATIONS,
  type Migration,
  migrate,
  PostgresFailure,
} from '@devauth/adapters-postgres';
import { ConfigurationError, IdentityTakenError } from '@devauth/core';
import { sampleUser } from '@devauth/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSchema, newPool, provideServer, type TestSchema } from './support/engines.js';
import type { Pool } from './support/pg.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'assets', 'migrations');

describe('the shipped migrations', () => {
  it('are the .sql files, embedded verbatim and in order (run scripts/embed-migrations.mjs after editing one)', () => {
    const files = readdirSync(migrationsDir)
      .filter((name) => name.endsWith('.sql'))
      .sort();
    expect(MIGRATIONS.map((migration) => `${migration.name}.sql`)).toEqual(files);
    for (const [index, migration] of MIGRATIONS.entries()) {
      expect(migration.sql).toBe(readFileSync(join(migrationsDir, `${migration.name}.sql`), 'utf8'));
      expect(migration.version).toBe(index + 1);
      expect(migration.name).toMatch(/^\d{4}_[a-z0-9_]+$/);
    }
  });
});

const server = await provideServer();
afterAll(async () => {
  await server?.close();
});

describe.skipIf(!server)('migrate() on a PostgreSQL 15 server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  /** A fresh schema and `count` pools on it (each pool stands for one process). */
  async function freshDatabase(label: string, count: number): Promise<{ schema: TestSchema; pools: Pool[] }> {
    const schema = await createSchema(server!.url, label);
    const pools = Array.from({ length: count }, () => newPool({ ...schema.poolConfig, max: 3 }));
    cleanups.push(async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      await schema.drop();
    });
    return { schema, pools };
  }
  const recorded = async (pool: Pool) =>
    (
      await pool.query<{ version: number; name: string }>(
        'SELECT version, name FROM devauth_migrations ORDER BY version',
      )
    ).rows;
  /** A slow migration, to hold the race open while both migrators want it. */
  const slow = (version: number, table: string): Migration => ({
    version,
    name: `${String(version).padStart(4, '0')}_${table}`,
    sql: `SELECT pg_sleep(0.2);\nCREATE TABLE ${table} (id integer);`,
  });

  it('run from two pools at once, applies each migration exactly once and both resolve', async () => {
    const { pools } = await freshDatabase('race', 2);
    const [first, second] = pools.map((pool) => fromPgPool(pool));

    const reports = await Promise.all([migrate(first!), migrate(second!)]);

    expect(reports.flatMap((report) => report.applied).sort()).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await recorded(pools[0]!)).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    await createPostgresStores(first!).users.create(sampleUser());
  });

  /** The version after the shipped ones, for test migrations appended to them. */
  const nextVersion = MIGRATIONS.length + 1;
  const named = (version: number, name: string) => `${String(version).padStart(4, '0')}_${name}`;
  const shipped = MIGRATIONS.map((migration) => migration.name);

  it('serializes racing migrators migration by migration, in version order (slow migrations, two pools)', async () => {
    const { pools } = await freshDatabase('race_slow', 2);
    // Given out of order: the last would fail if it ran before the slow one created its table.
    const depends: Migration = {
      version: nextVersion + 1,
      name: named(nextVersion + 1, 'depends'),
      sql: 'ALTER TABLE race_two ADD COLUMN added integer;',
    };
    const migrations: Migration[] = [depends, slow(nextVersion, 'race_two'), ...[...MIGRATIONS].reverse()];
    const expected = [...shipped, named(nextVersion, 'race_two'), depends.name];

    const reports = await Promise.all(pools.map((pool) => migrate(fromPgPool(pool), { migrations })));

    // A second application of the slow one would have failed on CREATE TABLE: both resolved, so each ran once.
    expect(reports.flatMap((report) => report.applied).sort()).toEqual(expected);
    expect((await recorded(pools[0]!)).map((row) => row.name)).toEqual(expected);
  });

  it('leaves nothing of a failing migration and stops there, then resumes once it is fixed', async () => {
    const { pools } = await freshDatabase('failing', 1);
    const client = fromPgPool(pools[0]!);
    const broken: Migration = {
      version: nextVersion,
      name: named(nextVersion, 'broken'),
      sql: 'CREATE TABLE half (id integer);\nSELECT 1/0;',
    };
    const after: Migration = {
      version: nextVersion + 1,
      name: named(nextVersion + 1, 'after'),
      sql: 'CREATE TABLE after_broken (id integer);',
    };

    const error = await migrate(client, { migrations: [...MIGRATIONS, broken, after] }).catch((thrown) => thrown);

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`PostgreSQL failed migrate ${broken.name} (SQLSTATE 22012).`);
    expect(error.cause).toBeInstanceOf(PostgresFailure);
    expect((await recorded(pools[0]!)).map((row) => row.name)).toEqual(shipped);
    const tables = await pools[0]!.query(
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('half', 'after_broken') AND schemaname = current_schema()",
    );
    expect(tables.rows[0].n).toBe(0);

    const fixed: Migration = { ...broken, sql: 'CREATE TABLE half (id integer);' };
    expect((await migrate(client, { migrations: [...MIGRATIONS, fixed, after] })).applied).toEqual([
      broken.name,
      after.name,
    ]);
  });

  /** A database at 0001_init only, as deployments of the previous release are. */
  async function atInit(label: string): Promise<{ pool: Pool; client: ReturnType<typeof fromPgPool> }> {
    const { pools } = await freshDatabase(label, 1);
    const client = fromPgPool(pools[0]!);
    expect((await migrate(client, { migrations: MIGRATIONS.slice(0, 1) })).applied).toEqual(['0001_init']);
    return { pool: pools[0]!, client };
  }
  const insertUser = (pool: Pool, id: string, username: string, identityId: string | null, createdAt: string) =>
    pool.query(
      `INSERT INTO devauth_users (id, username, email, role, password_hash, password_normalization, identity_id,
                                  status, created_at, updated_at, version)
       VALUES ($1, $2, NULL, 'shopper', 'x', 'NFKC', $3, 'active', $4, $4, 1)`,
      [id, username, identityId, createdAt],
    );

  it('upgrades a 0001 database with data: tokens rotated before keep no rotation time, counters keep counting', async () => {
    const { pool, client } = await atInit('upgrade');
    await insertUser(pool, 'u1', 'alice', 'us-east-1:one', '2026-01-01T00:00:00.000Z');
    await insertUser(pool, 'u2', 'bob', null, '2026-01-01T00:00:01.000Z');
    await insertUser(pool, 'u3', 'carol', null, '2026-01-01T00:00:02.000Z');
    await pool.query(
      `INSERT INTO devauth_refresh_tokens (token_hash, family_id, user_id, identity_id, status, issued_at, expires_at,
                                           family_expires_at)
       VALUES ('old', 'f1', 'u1', 'us-east-1:one', 'rotated', now(), now() + interval '1 day', now() + interval '2 days'),
              ('new', 'f1', 'u1', 'us-east-1:one', 'active', now(), now() + interval '1 day', now() + interval '2 days')`,
    );
    await pool.query(
      "INSERT INTO devauth_login_attempts VALUES ('user:alice', 3, '2026-01-01T00:00:00.000Z', now() + interval '1 day')",
    );

    expect((await migrate(client)).applied).toEqual(shipped.slice(1));

    const stores = createPostgresStores(client);
    expect(await stores.refreshTokens.find('old')).toMatchObject({
      status: 'rotated',
      rotatedAt: null,
      clientHint: null,
    });
    expect(await stores.refreshTokens.revokeAllForUser('u1')).toBe(1);
    expect(await stores.refreshTokens.find('new')).toMatchObject({ status: 'revoked', rotatedAt: null });
    expect(await stores.users.findByIdentityId('us-east-1:one')).toMatchObject({ id: 'u1' });
    // 0006: users written before email_verified existed read as unverified, and can be verified.
    const bob = await stores.users.findById('u2');
    expect(bob).toMatchObject({ username: 'bob', emailVerified: false, version: 1 });
    await pool.query("UPDATE devauth_users SET email = 'bob@example.test' WHERE id = 'u2'");
    expect(await stores.users.findByEmail('bob@example.test')).toMatchObject({ id: 'u2', emailVerified: false });
    await stores.users.update({ ...bob!, email: 'bob@example.test', emailVerified: true, version: 2 });
    expect(await stores.users.findByEmail('bob@example.test')).toMatchObject({ id: 'u2', emailVerified: true });
    await expect(stores.users.create(sampleUser({ identityId: 'us-east-1:one' }))).rejects.toBeInstanceOf(
      IdentityTakenError,
    );
    expect(await stores.loginAttempts.get(['user:alice'])).toEqual([
      { key: 'user:alice', consecutiveFailures: 3, lastFailureAt: new Date('2026-01-01T00:00:00.000Z') },
    ]);
    // 0007: users written before the listing indexes existed are listed, in code point order of the username.
    const listed = await stores.users.list({ limit: 2 });
    expect(listed.users.map((user) => user.username)).toEqual(['alice', 'bob']);
    const rest = await stores.users.list({ limit: 2, after: listed.nextCursor! });
    expect(rest).toEqual({ users: [expect.objectContaining({ id: 'u3', username: 'carol' })], nextCursor: null });
    expect((await stores.users.list({ status: 'active', usernamePrefix: 'ca', limit: 10 })).users).toHaveLength(1);
    const indexes = await pool.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('devauth_users', 'devauth_refresh_tokens', 'devauth_invitations') ORDER BY indexname COLLATE \"C\"",
    );
    expect(indexes.rows.map((row) => row.indexname)).toEqual([
      'devauth_invitations_listing_idx',
      'devauth_invitations_pkey',
      'devauth_refresh_tokens_family_id_idx',
      'devauth_refresh_tokens_pkey',
      'devauth_refresh_tokens_user_id_idx',
      'devauth_users_disabled_username_idx',
      'devauth_users_email_key',
      'devauth_users_identity_id_key',
      'devauth_users_pkey',
      'devauth_users_role_username_idx',
      'devauth_users_username_c_idx',
      'devauth_users_username_key',
    ]);
  });

  it('refuses to make identity_id unique over users sharing one, applies nothing of it, then applies once unlinked', async () => {
    const { pool, client } = await atInit('duplicates');
    await insertUser(pool, 'first', 'first', 'us-east-1:shared', '2026-01-01T00:00:00.000Z');
    await insertUser(pool, 'second', 'second', 'us-east-1:shared', '2026-01-01T00:00:01.000Z');

    const error = await migrate(client).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `PostgreSQL failed migrate ${shipped[1]} (SQLSTATE 23505 on devauth_users_identity_id_key).`,
    );
    expect((await recorded(pool)).map((row) => row.name)).toEqual(['0001_init']);
    const leftovers = await pool.query(
      `SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'devauth_guest_links') AS tables,
              (SELECT count(*)::int FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'devauth_users_identity_id_idx') AS old_index`,
    );
    expect(leftovers.rows[0]).toEqual({ tables: 0, old_index: 1 });
    // The operator's query from the migration's comment lists them.
    const { rows } = await pool.query(
      `SELECT identity_id, array_agg(id ORDER BY created_at, id) AS user_ids
         FROM devauth_users WHERE identity_id IS NOT NULL GROUP BY identity_id HAVING count(*) > 1`,
    );
    expect(rows).toEqual([{ identity_id: 'us-east-1:shared', user_ids: ['first', 'second'] }]);

    await pool.query("UPDATE devauth_users SET identity_id = NULL, version = version + 1 WHERE id = 'second'");
    expect((await migrate(client)).applied).toEqual(shipped.slice(1));
    expect(await createPostgresStores(client).users.findByIdentityId('us-east-1:shared')).toMatchObject({
      id: 'first',
    });
  });

  it('refuses a migration edited after it was applied', async () => {
    const { pools } = await freshDatabase('edited', 1);
    const client = fromPgPool(pools[0]!);
    await migrate(client);
    const edited = MIGRATIONS.map((migration) => ({ ...migration, sql: `${migration.sql}\n-- edited` }));

    await expect(migrate(client, { migrations: edited })).rejects.toThrow(
      /Migration 0001_init differs from the one applied/,
    );
  });

  it('turns a schema without the tables into a ConfigurationError that says to run migrate()', async () => {
    const { pools } = await freshDatabase('empty', 1);
    const { users } = createPostgresStores(fromPgPool(pools[0]!));

    await expect(users.findByUsername('anyone')).rejects.toThrow(
      new ConfigurationError(
        'PostgreSQL refused users.findByUsername (SQLSTATE 42P01): the devauth tables are missing or outdated; run migrate().',
      ),
    );
  });
});
