import { randomUUID } from 'node:crypto';
import { type PostgresCluster, startPostgresCluster } from '@devauth/adapters-postgres/testing';
import { PGlite } from '@electric-sql/pglite';
import pg, { type Pool, type PoolConfig } from './pg.js';

export interface TestServer {
  readonly url: string;
  /** The throwaway cluster this file started; undefined when DATABASE_URL points at an external server. */
  readonly cluster: PostgresCluster | undefined;
  close(): Promise<void>;
}

/**
 * The PostgreSQL server of one test file: `DATABASE_URL` when set, else a throwaway cluster started here. Undefined
 * means "skip these tests", which happens only outside CI: under CI a missing or failing engine fails the run.
 */
export async function provideServer(): Promise<TestServer | undefined> {
  const external = process.env.DATABASE_URL;
  if (external) return { url: external, cluster: undefined, close: async () => {} };
  try {
    const cluster = await startPostgresCluster();
    return { url: cluster.url, cluster, close: () => cluster.stop() };
  } catch (error) {
    if (process.env.CI) throw error;
    console.warn(`SKIPPING the PostgreSQL server tests of this file (set CI=1 to fail instead): ${String(error)}`);
    return undefined;
  }
}

/** A pg Pool for tests: 20 connections, so a 100-way race really runs 20 statements at once on the server. */
export function newPool(config: PoolConfig): Pool {
  const pool = new pg.Pool({ max: 20, connectionTimeoutMillis: 5_000, ...config });
  // pg requires a listener: idle connections report an error when a test stops the server under them.
  pool.on('error', () => {});
  return pool;
}

export interface TestSchema {
  readonly name: string;
  /** Pool settings that put every connection's search_path on this schema. */
  readonly poolConfig: PoolConfig;
  drop(): Promise<void>;
}

/** A schema of its own, so test files (and tests) never share tables, even on one external server. */
export async function createSchema(url: string, label: string): Promise<TestSchema> {
  const name = `devauth_${label}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    // `name` is built here from a fixed label and hex digits only.
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    poolConfig: { connectionString: url, options: `-c search_path=${name}` },
    drop: async () => {
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      try {
        await dropper.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** An in-memory PGlite (a few seconds to start: one per test file). */
export function newPGlite(): Promise<PGlite> {
  return PGlite.create();
}
