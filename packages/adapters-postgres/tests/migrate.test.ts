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
import { ConfigurationError } from '@devauth/core';
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

  it('serializes racing migrators migration by migration, in version order (slow migrations, two pools)', async () => {
    const { pools } = await freshDatabase('race_slow', 2);
    // Given out of order: 0003 would fail if it ran before 0002 created its table.
    const migrations: Migration[] = [
      { version: 3, name: '0003_depends', sql: 'ALTER TABLE race_two ADD COLUMN added integer;' },
      slow(2, 'race_two'),
      ...MIGRATIONS,
    ];

    const reports = await Promise.all(pools.map((pool) => migrate(fromPgPool(pool), { migrations })));

    // A second application of 0002 would have failed on CREATE TABLE: both resolved, so each ran once.
    expect(reports.flatMap((report) => report.applied).sort()).toEqual(['0001_init', '0002_race_two', '0003_depends']);
    expect((await recorded(pools[0]!)).map((row) => row.name)).toEqual(['0001_init', '0002_race_two', '0003_depends']);
  });

  it('leaves nothing of a failing migration and stops there, then resumes once it is fixed', async () => {
    const { pools } = await freshDatabase('failing', 1);
    const client = fromPgPool(pools[0]!);
    const broken: Migration = { version: 2, name: '0002_broken', sql: 'CREATE TABLE half (id integer);\nSELECT 1/0;' };
    const after: Migration = { version: 3, name: '0003_after', sql: 'CREATE TABLE after_broken (id integer);' };

    const error = await migrate(client, { migrations: [...MIGRATIONS, broken, after] }).catch((thrown) => thrown);

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('PostgreSQL failed migrate 0002_broken (SQLSTATE 22012).');
    expect(error.cause).toBeInstanceOf(PostgresFailure);
    expect((await recorded(pools[0]!)).map((row) => row.name)).toEqual(['0001_init']);
    const tables = await pools[0]!.query(
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('half', 'after_broken') AND schemaname = current_schema()",
    );
    expect(tables.rows[0].n).toBe(0);

    const fixed: Migration = { ...broken, sql: 'CREATE TABLE half (id integer);' };
    expect((await migrate(client, { migrations: [...MIGRATIONS, fixed, after] })).applied).toEqual([
      '0002_broken',
      '0003_after',
    ]);
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
