import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MIGRATIONS } from '@devauth/adapters-postgres';
import { type PostgresCluster, PostgresClusterError, startPostgresCluster } from '@devauth/adapters-postgres/testing';
import { ConfigurationError, TOKENS } from '@devauth/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userLookupFromEnv } from '../src/access/user-lookup.js';
import { createHandlersFromConfig } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createMigrateHandler, MIGRATIONS_RESOURCE_ID } from '../src/migrate.js';
import { captureLogger, context, fastHasher, POOL_ID, parse, v2Event } from './support.js';

// The AWS path end to end, on real engines: the connection is read from a Secrets Manager secret (moto_server) in the
// JSON shape RDS writes, the migrate custom resource brings a real PostgreSQL 15 server's schema up to date, and the
// handlers register and log in through the stores over that connection. Only the SDK's endpoint differs from AWS.

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

/** The throwaway server of this file; undefined (skip) only when PostgreSQL is not installed and CI is not set. */
async function startCluster(): Promise<PostgresCluster | undefined> {
  try {
    return await startPostgresCluster();
  } catch (error) {
    if (process.env.CI || !(error instanceof PostgresClusterError && error.reason === 'missing-binaries')) throw error;
    console.warn(`SKIPPING the PostgreSQL + Secrets Manager tests (set CI=1 to fail instead): ${String(error)}`);
    return undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(process: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`moto_server exited (${process.exitCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not listen on ${port} within ${timeoutMs} ms`);
}

const motoMissing = !onPath('moto_server');
const cluster = motoMissing && !process.env.CI ? undefined : await startCluster();
afterAll(async () => {
  await cluster?.stop();
});

describe('engines of the Secrets Manager path', () => {
  // Under CI these tests are required; locally they are skipped without moto_server or PostgreSQL.
  it.runIf(Boolean(process.env.CI))('moto_server and PostgreSQL are installed (required under CI)', () => {
    expect(motoMissing, 'moto_server not found on PATH').toBe(false);
    expect(cluster).toBeDefined();
  });
});

// Trust authentication: the server accepts any password, so this one only shows it never leaks.
const PASSWORD = 'rds-generated-Pa55word-never-shown';
const PASSWORD_OF_BROKEN = 'another-secret-Pa55word-never-shown';
const REGION = 'us-east-1';
// The SDK reads these from the environment, as on Lambda (where the execution role provides the credentials).
const SDK_ENV = ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'];

describe.skipIf(motoMissing || !cluster)('PostgreSQL through a Secrets Manager secret (moto_server)', () => {
  let moto: ChildProcess | undefined;
  let secretArn = '';
  let brokenSecretArn = '';
  const saved = new Map<string, string | undefined>();
  const environment = () => ({
    DEVAUTH_STORE: 'postgres',
    DEVAUTH_DATABASE_SECRET_ARN: secretArn,
    // The throwaway server has no TLS; on AWS this stays verify-full.
    DEVAUTH_DATABASE_TLS: 'disable',
    AWS_REGION: REGION,
  });

  beforeAll(async () => {
    const port = await freePort();
    // Own process group (detached), so afterAll can kill moto and anything it spawned.
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: 'ignore' });
    await waitForPort(moto, port, 20_000);
    for (const name of SDK_ENV) saved.set(name, process.env[name]);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: REGION,
    });
    const client = new SecretsManagerClient({ region: REGION });
    try {
      const created = await client.send(
        new CreateSecretCommand({
          Name: 'devauth/database',
          // What RDS writes for a cluster (engine and identifier are ignored by devauth).
          SecretString: JSON.stringify({
            engine: 'postgres',
            host: '127.0.0.1',
            port: cluster!.port,
            username: 'postgres',
            password: PASSWORD,
            dbname: 'postgres',
            dbClusterIdentifier: 'devauth',
          }),
        }),
      );
      secretArn = created.ARN!;
      const broken = await client.send(
        new CreateSecretCommand({
          Name: 'devauth/broken',
          SecretString: JSON.stringify({
            host: '127.0.0.1',
            port: String(cluster!.port),
            password: PASSWORD_OF_BROKEN,
          }),
        }),
      );
      brokenSecretArn = broken.ARN!;
    } finally {
      client.destroy();
    }
  });

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (moto?.pid === undefined || moto.exitCode !== null) return;
    const exited = new Promise((resolve) => moto!.once('exit', resolve));
    process.kill(-moto.pid, 'SIGTERM');
    const killed = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 3_000))]);
    if (!killed) process.kill(-moto.pid, 'SIGKILL');
  });

  async function query<T>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: cluster!.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it('the migrate custom resource: Create applies every migration, Update none, Delete nothing', async () => {
    const logger = captureLogger();
    const handler = createMigrateHandler({ env: environment(), logger });
    const names = MIGRATIONS.map((migration) => migration.name);
    expect(names.length).toBeGreaterThan(0);

    const created = await handler({ RequestType: 'Create', ResourceProperties: {} });
    expect(created).toEqual({ PhysicalResourceId: MIGRATIONS_RESOURCE_ID, Data: { Applied: names.join(',') } });
    const recorded = await query<{ name: string }>('SELECT name FROM devauth_migrations ORDER BY version');
    expect(recorded.map((row) => row.name)).toEqual(names);
    expect(await query("SELECT to_regclass('devauth_users') IS NOT NULL AS present")).toEqual([{ present: true }]);

    const updated = await handler({
      RequestType: 'Update',
      PhysicalResourceId: MIGRATIONS_RESOURCE_ID,
      ResourceProperties: {},
    });
    expect(updated).toEqual({ PhysicalResourceId: MIGRATIONS_RESOURCE_ID, Data: { Applied: '' } });

    const deleted = await handler({ RequestType: 'Delete', PhysicalResourceId: MIGRATIONS_RESOURCE_ID });
    expect(deleted).toEqual({ PhysicalResourceId: MIGRATIONS_RESOURCE_ID });
    // The data stays.
    expect(await query('SELECT count(*)::int AS n FROM devauth_migrations')).toEqual([{ n: names.length }]);

    // One line per run, with the applied names; never the secret.
    expect(logger.records).toMatchObject([
      { level: 'INFO', message: 'migrations applied', requestType: 'Create', applied: names },
      { level: 'INFO', message: 'migrations applied', requestType: 'Update', applied: [] },
      { level: 'INFO', message: 'migrations skipped', requestType: 'Delete' },
    ]);
    expect(logger.lines.join('\n')).not.toContain(PASSWORD);
  });

  it('a secret without username fails the resource with an error naming the field, not the password', async () => {
    const logger = captureLogger();
    const handler = createMigrateHandler({
      env: { ...environment(), DEVAUTH_DATABASE_SECRET_ARN: brokenSecretArn },
      logger,
    });
    let error: unknown;
    try {
      await handler({ RequestType: 'Create', ResourceProperties: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('username');
    for (const text of [message, String((error as Error).stack), JSON.stringify(error), logger.lines.join('\n')]) {
      expect(text).not.toContain(PASSWORD_OF_BROKEN);
    }
    expect(logger.records).toMatchObject([{ level: 'ERROR', requestType: 'Create', errorCode: 'CONFIGURATION' }]);
  });

  it('handlers composed from the environment register and log in a user through the secret connection', async () => {
    const handlers = createHandlersFromConfig(
      loadConfig({ ...environment(), DEVAUTH_BROKER: 'fake', DEVAUTH_IDENTITY_POOL_ID: POOL_ID }),
      { logger: captureLogger(), overrides: { [TOKENS.PasswordHasher]: fastHasher() } },
    );
    try {
      const password = 'correct horse battery staple 42';
      const registered = await handlers.register(
        v2Event({ path: '/auth/register', body: { username: 'secret-alice', password } }),
      );
      expect(registered.statusCode).toBe(201);
      const loggedIn = await handlers.login(v2Event({ body: { username: 'secret-alice', password } }), context());
      expect(loggedIn.statusCode).toBe(200);
      const session = parse(loggedIn) as { identityId: string; refreshToken: string };
      expect(session.refreshToken).toEqual(expect.any(String));

      // Written to the real server, not to some in-memory fallback.
      expect(await query("SELECT username, identity_id FROM devauth_users WHERE username = 'secret-alice'")).toEqual([
        { username: 'secret-alice', identity_id: session.identityId },
      ]);
      const { users } = await handlers.composition();
      expect((await users.findByIdentityId(session.identityId))?.username).toBe('secret-alice');

      // An app function's guard finds the same user from the same variables (no broker settings needed).
      const lookup = userLookupFromEnv(environment());
      try {
        expect((await lookup.findByIdentityId(session.identityId))?.username).toBe('secret-alice');
        expect(await lookup.findByIdentityId(`${REGION}:00000000-0000-4000-8000-000000000000`)).toBeNull();
      } finally {
        await lookup.close();
      }
    } finally {
      await (await handlers.composition()).close();
    }
  });
});
