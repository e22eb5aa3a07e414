/**
 * `devauth doctor`: each check with ok, FAIL or skip and one sentence that says what is wrong and what to set. The
 * checks never print a secret (a database URL, a secret's content, credentials): only variable names, kinds, ids.
 */
import { randomBytes } from 'node:crypto';
import { ConfigurationError, isDevauthError, TOKENS, UpstreamUnavailableError } from '@devauth/core';
import type { Composition, HandlerConfig } from '@devauth/lambda-handlers';
import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import type { CommandContext } from '../command.js';
import { type LoadedConfig, loadCliConfig, missingPackageOf } from '../environment.js';
import { CliError } from '../errors.js';
import { withPostgres } from './postgres.js';
import { flag } from './shared.js';

type Status = 'ok' | 'FAIL' | 'skip';

interface Check {
  readonly name: string;
  readonly status: Status;
  readonly message: string;
}

const COGNITO_TIMEOUTS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
} as const;

export async function run(context: CommandContext): Promise<number> {
  const checks: Check[] = [];
  const json = flag(context, 'json');
  const add = (check: Check) => {
    checks.push(check);
    if (!json) {
      const [first, ...more] = check.message.split('\n');
      context.print(`${check.status.padEnd(5)} ${check.name}: ${first}`);
      for (const line of more) context.print(`      ${line}`);
    }
  };
  const env = context.io.env;

  // 1. The configuration: in full (what the handlers read), else at least the store's part.
  const full = await attempt(() => loadCliConfig(env, { identityPool: true }));
  const storeOnly = full.ok ? full : await attempt(() => loadCliConfig(env, { identityPool: false }));
  if (full.ok) {
    add({ name: 'configuration', status: 'ok', message: describeConfig(full.value.config) });
  } else {
    const message = messageOf(full.error)
      .replace(/^configuration: /, '')
      .replace(/^configuration has/, 'has');
    add({ name: 'configuration', status: 'FAIL', message });
  }
  if (storeOnly.ok && storeOnly.value.config.store === 'memory') {
    add({
      name: 'store kind',
      status: 'FAIL',
      message:
        `${HANDLER_ENV.store}=memory keeps users in one process only: every devauth command starts empty. ` +
        'Use dynamodb, postgres or pglite',
    });
  }

  // 2. The store answers a lookup; 3. PostgreSQL's migrations are applied.
  if (storeOnly.ok) {
    add(await storeCheck(storeOnly.value));
    add(await migrationsCheck(storeOnly.value.config));
  } else {
    add({ name: 'store', status: 'skip', message: 'not checked: the store settings are invalid (above)' });
  }

  // 4. The identity pool answers and is the one configured.
  if (!full.ok) {
    add({ name: 'identity pool', status: 'skip', message: 'not checked: the configuration is invalid (above)' });
  } else if (full.value.config.broker === 'fake') {
    add({
      name: 'identity pool',
      status: 'skip',
      message: `${HANDLER_ENV.broker}=fake: no identity pool (tests and local runs only)`,
    });
  } else {
    add(await identityPoolCheck(full.value.config));
  }
  if (full.ok && full.value.config.messages === 'ses') {
    add({
      name: 'messages',
      status: 'skip',
      message: `${HANDLER_ENV.messages}=ses: sending is not checked (the SES identity of ${HANDLER_ENV.sesFrom})`,
    });
  }

  const failed = checks.filter((check) => check.status === 'FAIL').length;
  if (json) context.print(JSON.stringify({ ok: failed === 0, checks }));
  else context.print(failed === 0 ? 'doctor: every check passed' : `doctor: ${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}

async function attempt<T>(body: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await body() };
  } catch (error) {
    return { ok: false, error };
  }
}

function describeConfig(config: HandlerConfig): string {
  const where =
    config.store === 'dynamodb'
      ? `table ${config.tableName}`
      : config.store === 'postgres'
        ? config.databaseSecretArn
          ? `the database of secret ${config.databaseSecretArn}${config.databaseHost ? ` via ${config.databaseHost}` : ''}`
          : `the database of ${HANDLER_ENV.databaseUrl}`
        : config.store === 'pglite'
          ? config.pgliteDataDir
            ? `PGlite in ${config.pgliteDataDir}`
            : 'PGlite in memory'
          : 'in memory';
  const broker =
    config.broker === 'fake'
      ? 'fake broker'
      : `identity pool ${config.identityPoolId} (${config.developerProviderName})`;
  const region = config.region ? `, region ${config.region}` : '';
  return `valid: store ${config.store} (${where}), ${broker}${region}`;
}

/** A failure in words: devauth's own messages (which name fields, never values), else the error's name and text. */
function messageOf(error: unknown): string {
  const missing = missingPackageOf(error);
  if (missing) return `the package ${missing} is not installed (npm install ${missing})`;
  if (error instanceof CliError) return error.message;
  if (error instanceof UpstreamUnavailableError) return `did not answer: ${error.message}`;
  if (error instanceof ConfigurationError || isDevauthError(error)) return error.message;
  const { name, message, code } = (error ?? {}) as { name?: string; message?: string; code?: string };
  return `${name ?? 'Error'}${code && code !== name ? ` (${code})` : ''}: ${message ?? String(error)}`;
}

async function storeCheck({ config, withoutBroker }: LoadedConfig): Promise<Check> {
  const name = 'store';
  let composition: Composition | undefined;
  try {
    const { composeDevauth } = await import('@devauth/lambda-handlers');
    composition = await composeDevauth(config, {
      // The store alone is checked here: the broker is never called.
      ...(withoutBroker ? { overrides: { [TOKENS.IdentityBroker]: {} } } : {}),
    });
    const started = performance.now();
    // A name no user has (canonical: lowercase letters and digits), so the lookup reads and finds nothing.
    await composition.users.findByUsername(`doctor${randomBytes(6).toString('hex')}`);
    const ms = Math.round(performance.now() - started);
    return { name, status: 'ok', message: `the ${config.store} store answered a lookup in ${ms} ms` };
  } catch (error) {
    return { name, status: 'FAIL', message: `the ${config.store} store could not be used: ${messageOf(error)}` };
  } finally {
    await composition?.close().catch(() => undefined);
  }
}

async function migrationsCheck(config: HandlerConfig): Promise<Check> {
  const name = 'migrations';
  if (config.store === 'pglite') {
    return { name, status: 'ok', message: 'PGlite is migrated each time it is opened' };
  }
  if (config.store !== 'postgres') {
    return { name, status: 'skip', message: `store ${config.store} has no migrations` };
  }
  try {
    return await withPostgres(config, async (client, postgres) => {
      const { rows: present } = await client.query<{ present: boolean }>(
        "SELECT to_regclass('devauth_migrations') IS NOT NULL AS present",
      );
      const applied = new Set<number>();
      if (present[0]?.present) {
        const { rows } = await client.query<{ version: number }>('SELECT version FROM devauth_migrations');
        for (const row of rows) applied.add(Number(row.version));
      }
      const missing = postgres.MIGRATIONS.filter((migration) => !applied.has(migration.version));
      const known = new Set(postgres.MIGRATIONS.map((migration) => migration.version));
      const newer = [...applied].filter((version) => !known.has(version));
      if (missing.length > 0) {
        return {
          name,
          status: 'FAIL' as const,
          message:
            `${missing.length} of ${postgres.MIGRATIONS.length} migrations are not applied ` +
            `(${missing.map((migration) => migration.name).join(', ')}): run \`devauth migrate\``,
        };
      }
      return {
        name,
        status: 'ok' as const,
        message:
          `all ${postgres.MIGRATIONS.length} migrations are applied` +
          (newer.length > 0 ? ` (and ${newer.length} newer than this CLI knows: upgrade @devauth/cli)` : ''),
      };
    });
  } catch (error) {
    return { name, status: 'FAIL', message: `could not be read: ${messageOf(error)}` };
  }
}

async function identityPoolCheck(config: HandlerConfig): Promise<Check> {
  const name = 'identity pool';
  const poolId = config.identityPoolId ?? '';
  const poolRegion = poolId.split(':')[0];
  if (config.region && poolRegion !== config.region) {
    return {
      name,
      status: 'FAIL',
      message:
        `${HANDLER_ENV.identityPoolId} is in ${poolRegion}, but the region (${HANDLER_ENV.region} or AWS_REGION) ` +
        `is ${config.region}: the broker would look for the pool in the wrong region`,
    };
  }
  const { CognitoIdentityClient, DescribeIdentityPoolCommand } = await import('@aws-sdk/client-cognito-identity');
  // The client the broker would make: the configured region and endpoint, the usual credential chain.
  const client = new CognitoIdentityClient({
    ...(config.region ? { region: config.region } : {}),
    ...(config.cognitoEndpoint ? { endpoint: config.cognitoEndpoint } : {}),
    ...COGNITO_TIMEOUTS,
  });
  const where = config.cognitoEndpoint ? `at ${config.cognitoEndpoint}` : `in ${config.region ?? poolRegion}`;
  try {
    const pool = await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: poolId }));
    if (pool.DeveloperProviderName !== config.developerProviderName) {
      return {
        name,
        status: 'FAIL',
        message:
          `${poolId} answered, but its developer provider is ` +
          `${pool.DeveloperProviderName ? `"${pool.DeveloperProviderName}"` : 'not set'} while ` +
          `${HANDLER_ENV.developerProviderName} is "${config.developerProviderName}": every login would fail`,
      };
    }
    return {
      name,
      status: 'ok',
      message:
        `${poolId} ("${pool.IdentityPoolName}") answered ${where}; developer provider ` +
        `${pool.DeveloperProviderName} matches; guests ${pool.AllowUnauthenticatedIdentities ? 'allowed' : 'refused'}`,
    };
  } catch (error) {
    return { name, status: 'FAIL', message: cognitoFailure(error, poolId, where) };
  } finally {
    client.destroy();
  }
}

/** A DescribeIdentityPool failure in words, with what to fix. */
function cognitoFailure(error: unknown, poolId: string, where: string): string {
  const { name = '', message = '', code = '' } = (error ?? {}) as { name?: string; message?: string; code?: string };
  if (name === 'ResourceNotFoundException') {
    return `no identity pool ${poolId} ${where}: check ${HANDLER_ENV.identityPoolId} and the region`;
  }
  if (name === 'NotAuthorizedException' || name === 'AccessDeniedException') {
    return (
      `the AWS credentials may not describe ${poolId}: allow cognito-identity:DescribeIdentityPool on it ` +
      '(see the README for every permission the CLI needs)'
    );
  }
  if (
    name === 'UnrecognizedClientException' ||
    name === 'InvalidSignatureException' ||
    name === 'ExpiredTokenException'
  ) {
    return `the AWS credentials were refused (${name}): refresh them (aws sso login, or new keys)`;
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (/region is missing/i.test(message)) {
    return `no region: set ${HANDLER_ENV.region} or AWS_REGION`;
  }
  const network = code || (error as { cause?: { code?: string } })?.cause?.code;
  if (
    name === 'TimeoutError' ||
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT/.test(`${network} ${message}`)
  ) {
    return `the Cognito Identity endpoint ${where} could not be reached (${network || name}): check the network and ${HANDLER_ENV.cognitoEndpoint}`;
  }
  return `DescribeIdentityPool failed: ${name || 'Error'}: ${message}`;
}
