import { ConfigurationError } from '@devauth/core';
import { toStoreError } from './errors.js';
import { EMBEDDED_MIGRATIONS } from './migrations.generated.js';
import type { SqlClient, SqlTransaction } from './sql-client.js';

/** One versioned schema change: `src/assets/migrations/<NNNN>_<name>.sql`. */
export interface Migration {
  readonly version: number;
  /** The file name without `.sql`, e.g. `0001_init`. */
  readonly name: string;
  readonly sql: string;
}

export interface MigrationReport {
  /** Names of the migrations this call applied, in order (empty when the schema was already current). */
  readonly applied: readonly string[];
}

/** The migrations this version of the adapter ships, in order (embedded from the .sql files). */
export const MIGRATIONS: readonly Migration[] = EMBEDDED_MIGRATIONS;

/**
 * The key of the advisory lock every devauth migrator takes: the bytes of "devauth" read as a bigint. One key per
 * database (advisory locks are not per schema), so migrators of different schemas merely take turns.
 */
const MIGRATION_LOCK_KEY = '28259056786699368';

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE devauth_migrations (
  version integer NOT NULL,
  name text NOT NULL,
  -- SHA-256 of the migration's SQL: a migration edited after it was applied is reported, not silently skipped.
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT devauth_migrations_pkey PRIMARY KEY (version)
)`;

/**
 * Applies the migrations not yet recorded in `devauth_migrations`, each exactly once, in version order.
 *
 * Each migration runs in its own transaction on one connection, which first takes a transaction-scoped advisory
 * lock: a second process running `migrate` at the same time waits on the lock, then finds the migration recorded
 * and skips it. Because the lock, the DDL and the record commit together, a crash leaves either all of a migration
 * or none of it, and the lock is released with the transaction (safe behind PgBouncer in transaction mode).
 */
export async function migrate(
  client: SqlClient,
  options: { readonly migrations?: readonly Migration[] } = {},
): Promise<MigrationReport> {
  const migrations = inVersionOrder(options.migrations ?? MIGRATIONS);
  const applied: string[] = [];
  for (const migration of migrations) {
    const checksum = await sha256Hex(migration.sql);
    try {
      if (await client.transaction((tx) => applyOnce(tx, migration, checksum))) applied.push(migration.name);
    } catch (error) {
      throw toStoreError(error, `migrate ${migration.name}`);
    }
  }
  return { applied };
}

/** In one transaction: lock, then apply and record `migration` unless it is already recorded. */
async function applyOnce(tx: SqlTransaction, migration: Migration, checksum: string): Promise<boolean> {
  await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
  // Created under the lock: two concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.
  const { rows: present } = await tx.query<{ present: boolean }>(
    "SELECT to_regclass('devauth_migrations') IS NOT NULL AS present",
  );
  if (!present[0]?.present) await tx.exec(CREATE_MIGRATIONS_TABLE);

  const { rows } = await tx.query<{ checksum: string }>('SELECT checksum FROM devauth_migrations WHERE version = $1', [
    migration.version,
  ]);
  const recorded = rows[0];
  if (recorded) {
    if (recorded.checksum !== checksum) {
      throw new ConfigurationError(
        `Migration ${migration.name} differs from the one applied to this database; migrations must never be edited once released.`,
      );
    }
    return false;
  }
  await tx.exec(migration.sql);
  await tx.query('INSERT INTO devauth_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
    migration.version,
    migration.name,
    checksum,
  ]);
  return true;
}

function inVersionOrder(migrations: readonly Migration[]): Migration[] {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((migration, index) => {
    if (!Number.isInteger(migration.version) || migration.version < 1) {
      throw new ConfigurationError(`Migration ${migration.name} has an invalid version.`);
    }
    if (index > 0 && ordered[index - 1]?.version === migration.version) {
      throw new ConfigurationError(`Two migrations share version ${migration.version}.`);
    }
  });
  return ordered;
}

/** Web Crypto rather than node:crypto, so migrate() also runs where PGlite runs in a browser. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
