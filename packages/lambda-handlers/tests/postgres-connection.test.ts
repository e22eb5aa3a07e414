import { ConfigurationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { type PostgresConnectionSettings, postgresConnection, SECRET_MAX_AGE_MS } from '../src/postgres-connection.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:devauth/db-AbCdEf';
const PASSWORD = 'sup3r-s3cret-passw0rd';
const SECRET = {
  engine: 'postgres',
  host: 'devauth.cluster-abc123.eu-west-1.rds.amazonaws.com',
  port: 5432,
  username: 'devauth_admin',
  password: PASSWORD,
  dbname: 'devauth',
  dbClusterIdentifier: 'devauth',
};
const SETTINGS: PostgresConnectionSettings = { databaseSecretArn: ARN, databaseTls: 'verify-full' };

/** A Secrets Manager stand-in: the current SecretString, and every read it answered. */
function secrets(initial: unknown) {
  let value: string | undefined = typeof initial === 'string' ? initial : JSON.stringify(initial);
  const reads: string[] = [];
  let failing = false;
  let gate: Promise<void> | undefined;
  return {
    reads,
    set: (next: unknown) => {
      value = JSON.stringify(next);
    },
    fail: (on: boolean) => {
      failing = on;
    },
    /** Holds every read until the returned function is called. */
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    fetchSecret: async (arn: string) => {
      reads.push(arn);
      if (gate) await gate;
      if (failing) throw new Error('AccessDeniedException');
      return value;
    },
  };
}

function clock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function passwordOf(config: { password?: unknown }): Promise<string> {
  expect(typeof config.password).toBe('function');
  return (config.password as () => Promise<string>)();
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('postgresConnection', () => {
  it('passes a databaseUrl through as is (its sslmode decides TLS), without reading any secret', async () => {
    const store = secrets(SECRET);
    const { poolConfig } = await postgresConnection(
      { databaseUrl: 'postgres://u:p@db.example.com/devauth?sslmode=verify-full', databaseTls: 'verify-full' },
      { fetchSecret: store.fetchSecret },
    );
    expect(poolConfig).toEqual({ connectionString: 'postgres://u:p@db.example.com/devauth?sslmode=verify-full' });
    expect(store.reads).toEqual([]);
  });

  it('maps the RDS secret fields to pg settings, read once', async () => {
    const store = secrets(SECRET);
    const { poolConfig } = await postgresConnection(SETTINGS, { fetchSecret: store.fetchSecret });
    expect(poolConfig).toMatchObject({
      host: SECRET.host,
      port: 5432,
      user: 'devauth_admin',
      database: 'devauth',
      ssl: { rejectUnauthorized: true },
    });
    expect(poolConfig.connectionString).toBeUndefined();
    expect(await passwordOf(poolConfig)).toBe(PASSWORD);
    expect(store.reads).toEqual([ARN]);
    // The password is not a plain field of the settings (nothing that prints them shows it).
    expect(JSON.stringify(poolConfig)).not.toContain(PASSWORD);
  });

  it('overrides the host with databaseHost (RDS Proxy), accepts a port as a string, defaults port and dbname', async () => {
    const proxy = 'devauth.proxy-abc123.eu-west-1.rds.amazonaws.com';
    const { poolConfig } = await postgresConnection(
      { ...SETTINGS, databaseHost: proxy },
      { fetchSecret: secrets({ ...SECRET, port: '6543' }).fetchSecret },
    );
    expect(poolConfig).toMatchObject({ host: proxy, port: 6543 });

    const { host: _host, port: _port, dbname: _dbname, ...minimal } = SECRET;
    const defaults = await postgresConnection(
      { ...SETTINGS, databaseHost: proxy },
      { fetchSecret: secrets(minimal).fetchSecret },
    );
    // No host in the secret is fine when databaseHost names one.
    expect(defaults.poolConfig).toMatchObject({ host: proxy, port: 5432, database: 'postgres', user: 'devauth_admin' });
  });

  it('names the missing or garbled field, never a value of the secret', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...SECRET, username: undefined }, /username: /],
      [{ ...SECRET, password: undefined }, /password: /],
      [{ ...SECRET, password: '' }, /password: /],
      [{ ...SECRET, port: 'fifty-four-thirty-two' }, /port: /],
      [{ ...SECRET, port: 70_000 }, /port: /],
      [{ ...SECRET, host: undefined }, /host: required unless databaseHost is set/],
      [`{"password":"${PASSWORD}",`, /SecretString is not JSON/],
      [PASSWORD, /SecretString is not JSON/],
      [undefined, /no SecretString/],
    ];
    for (const [secret, field] of cases) {
      const error = await errorOf(postgresConnection(SETTINGS, { fetchSecret: secrets(secret).fetchSecret }));
      expect(error, String(field)).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(field);
      expect(error.message).toContain('databaseSecretArn');
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain(SECRET.username);
      expect(JSON.stringify(error)).not.toContain(PASSWORD);
    }
  });

  it('re-reads the password once the cached one is 5 minutes old, so a rotation reaches new connections', async () => {
    const store = secrets(SECRET);
    const time = clock();
    const { poolConfig } = await postgresConnection(SETTINGS, { fetchSecret: store.fetchSecret, now: time.now });
    store.set({ ...SECRET, password: 'rotated-password' });

    time.advance(SECRET_MAX_AGE_MS - 1);
    expect(await passwordOf(poolConfig)).toBe(PASSWORD);
    expect(store.reads).toHaveLength(1);

    time.advance(1);
    expect(await passwordOf(poolConfig)).toBe('rotated-password');
    expect(store.reads).toHaveLength(2);
    // Fresh again: no read for the next connections.
    time.advance(SECRET_MAX_AGE_MS - 1);
    expect(await passwordOf(poolConfig)).toBe('rotated-password');
    expect(store.reads).toHaveLength(2);
  });

  it('refreshes single-flight: connections opened during a re-read share it', async () => {
    const store = secrets(SECRET);
    const time = clock();
    const { poolConfig } = await postgresConnection(SETTINGS, { fetchSecret: store.fetchSecret, now: time.now });
    store.set({ ...SECRET, password: 'rotated-password' });
    time.advance(SECRET_MAX_AGE_MS);

    const release = store.hold();
    const passwords = Promise.all([passwordOf(poolConfig), passwordOf(poolConfig), passwordOf(poolConfig)]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.reads).toHaveLength(2);
    release();
    expect(await passwords).toEqual(['rotated-password', 'rotated-password', 'rotated-password']);
    expect(store.reads).toHaveLength(2);
  });

  it('keeps the cached password when a re-read fails or returns a garbled secret, and retries on the next connection', async () => {
    const store = secrets(SECRET);
    const time = clock();
    const { poolConfig } = await postgresConnection(SETTINGS, { fetchSecret: store.fetchSecret, now: time.now });
    time.advance(SECRET_MAX_AGE_MS);

    store.fail(true);
    expect(await passwordOf(poolConfig)).toBe(PASSWORD);
    expect(store.reads).toHaveLength(2);
    store.fail(false);
    store.set({ ...SECRET, password: undefined });
    expect(await passwordOf(poolConfig)).toBe(PASSWORD);
    expect(store.reads).toHaveLength(3);

    store.set({ ...SECRET, password: 'rotated-password' });
    expect(await passwordOf(poolConfig)).toBe('rotated-password');
    expect(store.reads).toHaveLength(4);
  });

  it('TLS: verify-full checks the certificate, with the CA bundle of databaseCaFile read once; disable turns it off', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const files: string[] = [];
    const readFile = async (path: string) => {
      files.push(path);
      return pem;
    };
    const withCa = await postgresConnection(
      { ...SETTINGS, databaseCaFile: '/var/runtime/ca-cert.pem' },
      { fetchSecret: secrets(SECRET).fetchSecret, readFile },
    );
    expect(withCa.poolConfig.ssl).toEqual({ rejectUnauthorized: true, ca: pem });
    expect(files).toEqual(['/var/runtime/ca-cert.pem']);
    await passwordOf(withCa.poolConfig);
    expect(files).toHaveLength(1);

    const withoutCa = await postgresConnection(SETTINGS, { fetchSecret: secrets(SECRET).fetchSecret, readFile });
    expect(withoutCa.poolConfig.ssl).toEqual({ rejectUnauthorized: true });
    // No TLS setting at all is verify-full too.
    const { databaseTls: _tls, ...noTls } = SETTINGS;
    const defaulted = await postgresConnection(noTls as PostgresConnectionSettings, {
      fetchSecret: secrets(SECRET).fetchSecret,
    });
    expect(defaulted.poolConfig.ssl).toEqual({ rejectUnauthorized: true });

    const disabled = await postgresConnection(
      { ...SETTINGS, databaseTls: 'disable', databaseCaFile: '/var/runtime/ca-cert.pem' },
      { fetchSecret: secrets(SECRET).fetchSecret, readFile },
    );
    expect(disabled.poolConfig.ssl).toBe(false);
    expect(files).toHaveLength(1);
  });

  it('reads the CA file from disk, and names the setting when it cannot be read', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'devauth-ca-'));
    try {
      const file = join(dir, 'ca.pem');
      writeFileSync(file, 'PEM BUNDLE');
      const { poolConfig } = await postgresConnection(
        { ...SETTINGS, databaseCaFile: file },
        { fetchSecret: secrets(SECRET).fetchSecret },
      );
      expect(poolConfig.ssl).toEqual({ rejectUnauthorized: true, ca: 'PEM BUNDLE' });

      const error = await errorOf(
        postgresConnection(
          { ...SETTINGS, databaseCaFile: join(dir, 'missing.pem') },
          { fetchSecret: secrets(SECRET).fetchSecret },
        ),
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe('databaseCaFile: cannot be read (ENOENT)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
