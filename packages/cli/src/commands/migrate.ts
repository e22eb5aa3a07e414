import { ConfigurationError } from '@devauth/core';
import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import type { CommandContext } from '../command.js';
import { describeConfigurationError, storeKindOf } from '../environment.js';
import { CliError } from '../errors.js';
import { withPglite, withPostgres } from './postgres.js';
import { flag } from './shared.js';

/** `devauth migrate`: the PostgreSQL migrations of @devauth/adapters-postgres, each applied once. */
export async function run(context: CommandContext): Promise<number> {
  const kind = storeKindOf(context.io.env);
  if (kind !== 'postgres' && kind !== 'pglite') {
    throw new CliError(
      `migrate is for PostgreSQL (${HANDLER_ENV.store}=postgres or pglite); ${HANDLER_ENV.store} is ${kind}` +
        (kind === 'dynamodb' ? ', whose table the deployment creates, with no migrations' : ''),
    );
  }
  const { loadStoreConfig } = await import('@devauth/lambda-handlers');
  let config: ReturnType<typeof loadStoreConfig>;
  try {
    config = loadStoreConfig(context.io.env);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new CliError(describeConfigurationError(error));
    throw error;
  }
  const migrateWith = async (
    client: Parameters<Parameters<typeof withPostgres>[1]>[0],
    postgres: typeof import('@devauth/adapters-postgres'),
  ) => ({ applied: (await postgres.migrate(client)).applied, known: postgres.MIGRATIONS.length });
  let result: { applied: readonly string[]; known: number };
  if (kind === 'pglite') {
    if (!config.pgliteDataDir) {
      throw new CliError(
        `${HANDLER_ENV.pgliteDataDir} is not set: an in-memory PGlite lives only as long as one command, ` +
          'and is migrated when it opens',
      );
    }
    result = await withPglite(config.pgliteDataDir, migrateWith);
  } else {
    result = await withPostgres(config, migrateWith);
  }
  if (flag(context, 'json')) {
    context.print(JSON.stringify({ applied: result.applied, migrations: result.known }));
  } else if (result.applied.length === 0) {
    context.print(`the schema is up to date (${result.known} migrations applied before)`);
  } else {
    context.print(`applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`);
  }
  return 0;
}
