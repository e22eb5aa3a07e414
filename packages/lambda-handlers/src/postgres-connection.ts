/**
 * The pg pool settings of the `postgres` store. Either a `databaseUrl`, used as is, or what AWS deploys: a Secrets
 * Manager secret in the JSON shape RDS writes (host, port, username, password, dbname), optionally reached through an
 * RDS Proxy (`databaseHost`), over TLS checked against a CA bundle (`databaseCaFile`).
 *
 * The secret never leaves this module: errors name the field that is wrong, never a value, and nothing is logged.
 */
import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '@devauth/core';
import * as z from 'zod';
import type { StoreConfig } from './config.js';

export type PostgresConnectionSettings = Pick<
  StoreConfig,
  'databaseUrl' | 'databaseSecretArn' | 'databaseHost' | 'databaseTls' | 'databaseCaFile' | 'region'
>;

/** Returns the secret's `SecretString` (undefined for a binary secret). */
export type SecretFetcher = (secretArn: string) => Promise<string | undefined>;

export interface PostgresConnectionDeps {
  /** Default: GetSecretValue with `@aws-sdk/client-secrets-manager` (imported on first use). */
  readonly fetchSecret?: SecretFetcher;
  /** Milliseconds since the epoch (tests move it forward). Default `Date.now`. */
  readonly now?: () => number;
  /** Reads `databaseCaFile`. Default `fs.readFile(path, 'utf8')`. */
  readonly readFile?: (path: string) => Promise<string>;
}

/**
 * The part of pg's `PoolConfig` set here, declared structurally (assignable to pg's `PoolConfig`): `pg` is an optional
 * peer dependency and has no types of its own, so importing them would break the declarations of this package for
 * every user without `pg` and `@types/pg` (with `skipLibCheck: false`).
 */
export interface PostgresPoolConfig {
  connectionString?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  user?: string | undefined;
  database?: string | undefined;
  password?: string | (() => string | Promise<string>) | undefined;
  ssl?: boolean | { rejectUnauthorized?: boolean; ca?: string } | undefined;
}

export interface PostgresConnection {
  /** What `new pg.Pool(...)` needs to reach the database (add pool size and timeouts). */
  readonly poolConfig: PostgresPoolConfig;
  /** Releases the Secrets Manager client, if one was created. */
  readonly close: () => void;
}

/**
 * How old the cached password may get before a new connection re-reads the secret: after a rotation, new connections
 * pick up the new password within this time, without a redeploy. Connections are opened rarely (a pool of 1-2 per
 * Lambda environment), so this costs about one GetSecretValue per environment every 5 minutes at most.
 */
export const SECRET_MAX_AGE_MS = 5 * 60_000;

/**
 * Bounded waits, as for DynamoDB (composition.ts): a Secrets Manager that does not answer fails the cold start in
 * seconds instead of holding it until the Lambda timeout.
 */
export const SECRETS_MANAGER_CLIENT = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;

/** The fields devauth reads from RDS's secret JSON (it has others, e.g. `engine`, which are ignored). */
const rdsSecretSchema = z.object({
  host: z.string().min(1).max(255).optional(),
  port: z
    .union([z.number(), z.string().regex(/^\d+$/, 'must be a number').transform(Number)])
    .pipe(z.number().int().min(1).max(65_535))
    .default(5432),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).default('postgres'),
});
type RdsSecret = z.output<typeof rdsSecretSchema>;

/** Parses the SecretString. Errors name the field only: zod's messages never quote the input, JSON.parse's do. */
function parseSecret(secretString: string | undefined): RdsSecret {
  const invalid = (problem: string) =>
    new ConfigurationError(`Invalid database secret (databaseSecretArn): ${problem}`);
  if (secretString === undefined) throw invalid('the secret has no SecretString (a binary secret is not supported)');
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw invalid('SecretString is not JSON');
  }
  const parsed = rdsSecretSchema.safeParse(json);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** GetSecretValue through the AWS SDK, which the Lambda runtime provides (loaded only when a secret is configured). */
async function sdkSecretFetcher(region: string | undefined): Promise<{ fetch: SecretFetcher; close: () => void }> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ ...(region ? { region } : {}), ...SECRETS_MANAGER_CLIENT });
  return {
    fetch: async (secretId) => (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
    close: () => client.destroy(),
  };
}

/**
 * The pool settings for `settings`. With a secret, it is read now (a wrong or unreadable secret fails the cold start
 * with a ConfigurationError naming the field), and its password again by new connections once it is 5 minutes old.
 */
export async function postgresConnection(
  settings: PostgresConnectionSettings,
  deps: PostgresConnectionDeps = {},
): Promise<PostgresConnection> {
  const { databaseSecretArn: secretArn } = settings;
  // A URL carries everything itself, TLS included (`sslmode`): nothing to add.
  if (secretArn === undefined) return { poolConfig: { connectionString: settings.databaseUrl }, close: () => {} };

  const sdk = deps.fetchSecret ? undefined : await sdkSecretFetcher(settings.region);
  const fetchSecret = deps.fetchSecret ?? (sdk as { fetch: SecretFetcher }).fetch;
  const now = deps.now ?? Date.now;
  const read = () => fetchSecret(secretArn).then(parseSecret);
  try {
    const [secret, ssl] = await Promise.all([read(), tlsOptions(settings, deps.readFile)]);
    return {
      poolConfig: {
        host: settings.databaseHost ?? hostOf(secret),
        port: secret.port,
        user: secret.username,
        database: secret.dbname,
        password: rereadingPassword(secret.password, now(), read, now),
        ssl,
      },
      close: () => sdk?.close(),
    };
  } catch (error) {
    sdk?.close();
    throw error;
  }
}

function hostOf(secret: RdsSecret): string {
  if (secret.host === undefined) {
    throw new ConfigurationError(
      'Invalid database secret (databaseSecretArn): host: required unless databaseHost is set',
    );
  }
  return secret.host;
}

/**
 * pg calls `password()` for every new connection. It answers the cached password while it is fresh; once it is older
 * than SECRET_MAX_AGE_MS it re-reads the secret first (one read at a time, shared by connections opened meanwhile).
 * A failed re-read keeps the cached password: the connection attempt decides whether it still works, and the next new
 * connection tries the read again.
 */
function rereadingPassword(
  initial: string,
  readAt: number,
  read: () => Promise<RdsSecret>,
  now: () => number,
): () => Promise<string> {
  let password = initial;
  let fetchedAt = readAt;
  let refreshing: Promise<void> | undefined;
  const refresh = () => {
    refreshing ??= read()
      .then((secret) => {
        password = secret.password;
        fetchedAt = now();
      })
      .catch(() => {})
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };
  return async () => {
    if (now() - fetchedAt >= SECRET_MAX_AGE_MS) await refresh();
    return password;
  };
}

/**
 * `verify-full`: the server's certificate must chain to a trusted CA and name the host. Node trusts its bundled
 * Mozilla CAs, which do not include the RDS CAs: on Lambda, `databaseCaFile` points at the runtime's Amazon CA bundle
 * (/var/runtime/ca-cert.pem), read here once for this connection rather than for every process via
 * NODE_EXTRA_CA_CERTS, which would load it on every cold start of every function.
 */
async function tlsOptions(
  settings: PostgresConnectionSettings,
  readCa: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<PostgresPoolConfig['ssl']> {
  if (settings.databaseTls === 'disable') return false;
  const ca = settings.databaseCaFile === undefined ? undefined : await readCaFile(settings.databaseCaFile, readCa);
  return { rejectUnauthorized: true, ...(ca !== undefined ? { ca } : {}) };
}

async function readCaFile(path: string, readCa: (path: string) => Promise<string>): Promise<string> {
  try {
    return await readCa(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigurationError(`databaseCaFile: cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}
