/** One short-lived pg connection for `migrate` and `doctor`, configured as the handlers' own (URL or RDS secret). */
import { mkdir } from 'node:fs/promises';
import type { SqlClient } from '@devauth/adapters-postgres';
import type { StoreConfig } from '@devauth/lambda-handlers';

export async function withPostgres<T>(
  config: StoreConfig,
  body: (client: SqlClient, postgres: typeof import('@devauth/adapters-postgres')) => Promise<T>,
): Promise<T> {
  const [pg, postgres, { postgresConnection }] = await Promise.all([
    import('pg'),
    import('@devauth/adapters-postgres'),
    import('@devauth/lambda-handlers'),
  ]);
  const { Pool } = pg.default ?? pg;
  const connection = await postgresConnection(config);
  // One connection (migrations run one after the other); a bounded wait for it, none on statements (an index on a
  // big table may take long).
  const pool = new Pool({ ...connection.poolConfig, max: 1, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  try {
    return await body(postgres.fromPgPool(pool), postgres);
  } finally {
    await pool.end();
    connection.close();
  }
}

export async function withPglite<T>(
  dataDir: string,
  body: (client: SqlClient, postgres: typeof import('@devauth/adapters-postgres')) => Promise<T>,
): Promise<T> {
  const [{ PGlite }, postgres] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@devauth/adapters-postgres'),
  ]);
  // As the handlers do: the parents of a fresh data directory are created (PGlite makes only the last one).
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  try {
    return await body(postgres.fromPGlite(db), postgres);
  } finally {
    await db.close();
  }
}
