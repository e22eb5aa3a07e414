/**
 * Schema migrations at deploy time: the onEvent handler of a CloudFormation custom resource behind the aws-cdk-lib
 * `custom-resources` Provider framework. Create and Update bring the PostgreSQL schema up to date (`migrate` of
 * `@devauth/adapters-postgres`, idempotent and serialized by an advisory lock); Delete does nothing, the data stays.
 * Throwing fails the resource, and so the deployment, before any handler runs against an outdated schema.
 *
 * Only the store settings are read from the environment (`loadStoreConfig`): the function needs the database, not the
 * identity pool. pg and the adapter are imported on the first Create/Update.
 */
import { ConfigurationError, isDevauthError } from '@devauth/core';
import { loadStoreConfig } from './config.js';
import { createJsonLogger, type Logger } from './logger.js';
import { type PostgresConnectionDeps, postgresConnection } from './postgres-connection.js';

/** The part of the Provider framework's onEvent request this handler reads. */
export interface MigrateEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: Readonly<Record<string, unknown>>;
}

export interface MigrateResult {
  readonly PhysicalResourceId: string;
  /** `Applied`: the names of the migrations this run applied, comma-separated (empty when already up to date). */
  readonly Data?: { readonly Applied: string };
}

export type MigrateHandler = (event: MigrateEvent) => Promise<MigrateResult>;

export interface MigrateHandlerOptions {
  /** Where the store settings are read. Default `process.env`, on each Create/Update. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  /** Secrets Manager fetcher, clock and file reader (tests). */
  readonly connection?: PostgresConnectionDeps;
}

/** One schema per database: a stable id, so an Update never looks like a replacement to CloudFormation. */
export const MIGRATIONS_RESOURCE_ID = 'devauth-postgres-migrations';

export function createMigrateHandler(options: MigrateHandlerOptions = {}): MigrateHandler {
  const logger = options.logger ?? createJsonLogger();
  return async (event) => {
    const requestType = event?.RequestType;
    if (requestType === 'Delete') {
      // Deleting the resource (or rolling back its creation) must never drop or block on the data.
      logger.info('migrations skipped', { requestType });
      return { PhysicalResourceId: event.PhysicalResourceId ?? MIGRATIONS_RESOURCE_ID };
    }
    try {
      if (requestType !== 'Create' && requestType !== 'Update') {
        throw new ConfigurationError('RequestType: expected Create, Update or Delete');
      }
      const applied = await runMigrations(options);
      logger.info('migrations applied', { requestType, applied });
      return { PhysicalResourceId: MIGRATIONS_RESOURCE_ID, Data: { Applied: applied.join(',') } };
    } catch (error) {
      // devauth's own messages name fields, never values; anything else (an SDK error) is logged by name only.
      logger.error('migrations failed', {
        requestType,
        errorName: (error as Error)?.name,
        ...(isDevauthError(error) ? { errorCode: error.code, problem: error.message } : {}),
      });
      throw error;
    }
  };
}

async function runMigrations(options: MigrateHandlerOptions): Promise<readonly string[]> {
  const config = loadStoreConfig(options.env ?? process.env);
  if (config.store !== 'postgres') {
    throw new ConfigurationError(`store: the migrate entry needs store "postgres"`);
  }
  const [pg, postgres] = await Promise.all([import('pg'), import('@devauth/adapters-postgres')]);
  const { Pool } = pg.default ?? pg;
  const connection = await postgresConnection(config, options.connection);
  // One connection: the migrations run one after the other. No statement timeout: a migration may legitimately take
  // long (an index on a big table); the Lambda timeout bounds the run.
  const pool = new Pool({ ...connection.poolConfig, max: 1, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  try {
    const { applied } = await postgres.migrate(postgres.fromPgPool(pool));
    return applied;
  } finally {
    await pool.end();
    connection.close();
  }
}
