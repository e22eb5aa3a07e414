import { ConfigurationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { createMigrateHandler, MIGRATIONS_RESOURCE_ID } from '../src/migrate.js';
import { captureLogger } from './support.js';

// The custom resource's paths that reach no database (the runs against PostgreSQL: postgres-secret.moto.test.ts).
describe('migrate custom resource handler', () => {
  it('Delete returns the given physical id and touches nothing, whatever the environment', async () => {
    const logger = captureLogger();
    let secretReads = 0;
    const handler = createMigrateHandler({
      env: {},
      logger,
      connection: {
        fetchSecret: async () => {
          secretReads++;
          return '{}';
        },
      },
    });
    expect(await handler({ RequestType: 'Delete', PhysicalResourceId: 'devauth-postgres-migrations' })).toEqual({
      PhysicalResourceId: 'devauth-postgres-migrations',
    });
    expect(await handler({ RequestType: 'Delete' })).toEqual({ PhysicalResourceId: MIGRATIONS_RESOURCE_ID });
    expect(secretReads).toBe(0);
    expect(logger.records).toMatchObject([
      { level: 'INFO', requestType: 'Delete' },
      { level: 'INFO', requestType: 'Delete' },
    ]);
  });

  it('Create fails the deployment on an invalid or non-postgres store configuration, naming the field', async () => {
    const logger = captureLogger();
    const run = (env: Record<string, string>) => createMigrateHandler({ env, logger })({ RequestType: 'Create' });
    await expect(run({})).rejects.toThrow(/store: /);
    await expect(run({ DEVAUTH_STORE: 'postgres' })).rejects.toThrow(
      'databaseUrl or databaseSecretArn: required when store is "postgres"',
    );
    await expect(run({ DEVAUTH_STORE: 'dynamodb', DEVAUTH_TABLE_NAME: 'devauth' })).rejects.toThrow(
      'store: the migrate entry needs store "postgres"',
    );
    await expect(
      run({
        DEVAUTH_STORE: 'postgres',
        DEVAUTH_DATABASE_URL: 'postgres://u:hunter2@db/x',
        DEVAUTH_DATABASE_SECRET_ARN: 'x',
      }),
    ).rejects.toThrow(ConfigurationError);
    // One ERROR line per failed run, with devauth's message (fields, never values).
    expect(logger.records).toHaveLength(4);
    for (const record of logger.records) {
      expect(record).toMatchObject({ level: 'ERROR', message: 'migrations failed', errorCode: 'CONFIGURATION' });
    }
    expect(logger.lines.join('\n')).not.toContain('hunter2');
  });

  it('refuses an unknown request type', async () => {
    const handler = createMigrateHandler({ env: {}, logger: captureLogger() });
    await expect(handler({ RequestType: 'Replace' as 'Create' })).rejects.toThrow(/RequestType/);
  });
});
