import { randomBytes } from 'node:crypto';
import { type PostgresCluster, startPostgresCluster } from '@devauth/adapters-postgres/testing';
import { type IdentityPoolEmulator, startIdentityPoolEmulator } from '@devauth/local';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devauth, lines, pgliteEnv, scratch } from './support.js';

const PROVIDER = 'login.cli.test';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

/** `ok`/`FAIL`/`skip` by check name, from doctor's text output. */
function statuses(stdout: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of lines(stdout)) {
    const match = /^(ok|FAIL|skip)\s+([a-z ]+):/.exec(line);
    if (match) result[match[2]!] = match[1]!;
  }
  return result;
}

describe('devauth doctor against the identity-pool emulator', () => {
  const { dir, cleanup } = scratch('doctor');
  let emulator: IdentityPoolEmulator;
  let poolEnv: Record<string, string>;

  beforeAll(async () => {
    emulator = await startIdentityPoolEmulator({ region: 'us-east-1' });
    const pool = emulator.createPool({ identityPoolName: 'cli-doctor', developerProviderName: PROVIDER });
    poolEnv = {
      DEVAUTH_IDENTITY_POOL_ID: pool.identityPoolId,
      DEVAUTH_DEVELOPER_PROVIDER_NAME: PROVIDER,
      DEVAUTH_COGNITO_ENDPOINT: emulator.endpoint,
      DEVAUTH_REGION: 'us-east-1',
      ...CREDENTIALS,
    };
  });
  afterAll(async () => {
    await emulator?.stop();
    cleanup();
  });

  it('passes every check for PGlite and a reachable pool with the configured developer provider', async () => {
    const env = { ...pgliteEnv(dir), DEVAUTH_BROKER: undefined, ...poolEnv };
    const result = await devauth(['doctor'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(statuses(result.stdout)).toEqual({
      configuration: 'ok',
      store: 'ok',
      migrations: 'ok',
      'identity pool': 'ok',
    });
    expect(result.stdout).toContain(`${poolEnv.DEVAUTH_IDENTITY_POOL_ID} ("cli-doctor") answered`);
    expect(result.stdout).toContain(`developer provider ${PROVIDER} matches`);
    expect(lines(result.stdout).at(-1)).toBe('doctor: every check passed');

    const json = await devauth(['doctor', '--json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, checks: expect.any(Array) });
  });

  it('says in words what is wrong: the provider name, an unknown pool, an unreachable endpoint, a region', async () => {
    const base = { ...pgliteEnv(dir), DEVAUTH_BROKER: undefined, ...poolEnv };
    const cases: [Record<string, string | undefined>, string][] = [
      [
        { DEVAUTH_DEVELOPER_PROVIDER_NAME: 'login.other.test' },
        `its developer provider is "${PROVIDER}" while DEVAUTH_DEVELOPER_PROVIDER_NAME is "login.other.test": every login would fail`,
      ],
      [
        { DEVAUTH_IDENTITY_POOL_ID: 'us-east-1:00000000-0000-4000-8000-000000000000' },
        'no identity pool us-east-1:00000000-0000-4000-8000-000000000000',
      ],
      [{ DEVAUTH_COGNITO_ENDPOINT: 'http://127.0.0.1:1' }, 'could not be reached'],
      [{ DEVAUTH_REGION: 'eu-west-1' }, 'DEVAUTH_IDENTITY_POOL_ID is in us-east-1, but the region'],
    ];
    for (const [change, message] of cases) {
      const result = await devauth(['doctor'], { env: { ...base, ...change } });
      expect(result.code, message).toBe(1);
      expect(statuses(result.stdout)['identity pool']).toBe('FAIL');
      expect(statuses(result.stdout).store).toBe('ok');
      expect(result.stdout).toContain(message);
      expect(lines(result.stdout).at(-1)).toBe('doctor: 1 check(s) failed');
    }
  });

  it('an invalid configuration and an unusable store fail in words, and a secret in the URL is never shown', async () => {
    const invalid = await devauth(['doctor'], { env: { DEVAUTH_STORE: 'dynamodb' } });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toContain('FAIL  configuration: has 3 problems:');
    expect(invalid.stdout).toContain('DEVAUTH_TABLE_NAME: required when store is "dynamodb"');
    expect(statuses(invalid.stdout)).toMatchObject({ store: 'skip', 'identity pool': 'skip' });

    const unreachable = await devauth(['doctor'], {
      env: { DEVAUTH_STORE: 'postgres', DEVAUTH_DATABASE_URL: 'postgres://app:hunter2-db@127.0.0.1:1/x', ...poolEnv },
    });
    expect(unreachable.code).toBe(1);
    expect(statuses(unreachable.stdout)).toEqual({
      configuration: 'ok',
      store: 'FAIL',
      migrations: 'FAIL',
      'identity pool': 'ok',
    });
    expect(unreachable.stdout).toContain('the postgres store could not be used:');
    expect(unreachable.stdout + unreachable.stderr).not.toContain('hunter2-db');

    const memory = await devauth(['doctor'], { env: { DEVAUTH_STORE: 'memory', DEVAUTH_BROKER: 'fake' } });
    expect(memory.code).toBe(1);
    expect(memory.stdout).toContain('FAIL  store kind: DEVAUTH_STORE=memory keeps users in one process only');
  });
});

describe('devauth migrate and doctor on PostgreSQL', () => {
  let cluster: PostgresCluster | undefined;
  let url: string | undefined;
  let database: string | undefined;
  let adminUrl: string | undefined;

  beforeAll(async () => {
    adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) {
      try {
        cluster = await startPostgresCluster();
        adminUrl = cluster.url;
      } catch (error) {
        if (process.env.CI) throw error;
        console.warn(`SKIPPING the PostgreSQL tests of the CLI (set CI=1 to fail instead): ${String(error)}`);
        return;
      }
    }
    // A database of its own: migrate changes the schema, which must not touch a shared server's.
    database = `devauth_cli_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`CREATE DATABASE ${database}`);
    await client.end();
    const target = new URL(adminUrl);
    target.pathname = `/${database}`;
    url = target.toString();
  }, 120_000);
  afterAll(async () => {
    if (adminUrl && database && !cluster) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database}`);
      await client.end();
    }
    await cluster?.stop();
  });

  it('doctor reports the missing migrations, migrate applies them once, then doctor passes', async (context) => {
    if (!url) return context.skip();
    const env = { DEVAUTH_STORE: 'postgres', DEVAUTH_DATABASE_URL: url, DEVAUTH_BROKER: 'fake' };
    const before = await devauth(['doctor'], { env });
    expect(before.code).toBe(1);
    expect(statuses(before.stdout)).toMatchObject({ store: 'FAIL', migrations: 'FAIL' });
    expect(before.stdout).toMatch(
      /migrations: \d+ of \d+ migrations are not applied \(0001_[^)]*\): run `devauth migrate`/,
    );

    const migrated = await devauth(['migrate', '--json'], { env });
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    const report = JSON.parse(migrated.stdout) as { applied: string[]; migrations: number };
    expect(report.applied.length).toBe(report.migrations);
    expect(report.applied[0]).toMatch(/^0001_/);

    const again = await devauth(['migrate'], { env });
    expect(again.stdout).toContain(`the schema is up to date (${report.migrations} migrations applied before)`);

    const after = await devauth(['doctor'], { env });
    expect(after.code).toBe(0);
    expect(statuses(after.stdout)).toEqual({
      configuration: 'ok',
      store: 'ok',
      migrations: 'ok',
      'identity pool': 'skip',
    });
    expect(after.stdout).toContain(`all ${report.migrations} migrations are applied`);
  }, 120_000);
});
