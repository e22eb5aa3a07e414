/**
 * The CLI's configuration is the Lambda handlers' own: the same environment variables (`HANDLER_ENV`), read and
 * validated by `loadConfig` of `@devauth/lambda-handlers`, composed by its `composeDevauth` (the same stores, the
 * same broker). Only the words differ: a problem is reported with the variable to fix, not the config field.
 *
 * Commands that never call Cognito (all but `set-role`, `disable` and `doctor`) run without the identity pool
 * variables: then the broker is one that refuses every call, naming the variables, instead of a guess.
 */
import {
  ConfigurationError,
  type Devauth,
  type IdentityBroker,
  isDevauthError,
  TOKENS,
  type UserStore,
} from '@devauth/core';
import type { Composition, HandlerConfig, LogFields, Logger } from '@devauth/lambda-handlers';
import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import { CliError, EXIT } from './errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export const STORE_KINDS = ['dynamodb', 'postgres', 'pglite', 'memory'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

const FIELD_ENV: Readonly<Record<string, string>> = {
  ...HANDLER_ENV,
  region: `${HANDLER_ENV.region} (or AWS_REGION)`,
};

const set = (env: Environment, name: string) => (env[name]?.trim() ?? '') !== '';

/** `DEVAUTH_STORE`, checked first and in words: every other setting depends on it. */
export function storeKindOf(env: Environment): StoreKind {
  const raw = env[HANDLER_ENV.store]?.trim() ?? '';
  const kinds = `${STORE_KINDS.slice(0, -1).join(', ')} or ${STORE_KINDS.at(-1)}`;
  if (raw === '') throw new CliError(`${HANDLER_ENV.store} is not set: set it to ${kinds}`);
  if (!(STORE_KINDS as readonly string[]).includes(raw)) {
    throw new CliError(`${HANDLER_ENV.store} is "${raw.slice(0, 32)}": set it to ${kinds}`);
  }
  return raw as StoreKind;
}

/**
 * A ConfigurationError of `loadConfig` in the environment's words: each "field: problem" becomes "VARIABLE:
 * problem", one per line. Messages name fields and rules, never values (a database URL may carry a password).
 */
export function describeConfigurationError(error: ConfigurationError): string {
  const message = error.message.replace(/^Invalid devauth (handler )?configuration: /, '');
  const problems = message.split('; ').map((problem) => {
    const colon = problem.indexOf(': ');
    if (colon === -1) return problem;
    const subject = problem
      .slice(0, colon)
      .replace(/[A-Za-z]+/g, (field) => FIELD_ENV[field.split('.')[0] ?? field] ?? field);
    return `${subject}: ${problem.slice(colon + 2)}`;
  });
  return problems.length === 1
    ? `configuration: ${problems[0]}`
    : `configuration has ${problems.length} problems:\n${problems.map((p) => `  ${p}`).join('\n')}`;
}

export interface LoadOptions {
  /** The command calls Cognito (revokes access): the identity pool variables are required. */
  readonly identityPool: boolean;
}

export interface OpenOptions extends LoadOptions {
  /** Where the audit trail's JSON lines go (the core's AdminAction and AdminAccessDenied events). Default: dropped. */
  readonly audit?: (line: string) => void;
}

export interface LoadedConfig {
  readonly config: HandlerConfig;
  /** The identity pool is not configured and the command does not need it: the broker refuses every call. */
  readonly withoutBroker: boolean;
}

/** Reads and validates the handlers' configuration from `env`, or throws a CliError that says what to set. */
export async function loadCliConfig(env: Environment, options: LoadOptions): Promise<LoadedConfig> {
  storeKindOf(env);
  const { loadConfig } = await import('@devauth/lambda-handlers');
  const withoutBroker = !options.identityPool && !set(env, HANDLER_ENV.broker) && !set(env, HANDLER_ENV.identityPoolId);
  const source = withoutBroker ? { ...env, [HANDLER_ENV.broker]: 'fake' } : env;
  try {
    return { config: loadConfig(source), withoutBroker };
  } catch (error) {
    if (error instanceof ConfigurationError) throw new CliError(describeConfigurationError(error));
    throw error;
  }
}

/** A broker for commands that do not call Cognito: any call says which variables are missing. */
function brokerNotConfigured(): IdentityBroker {
  const refuse = async (): Promise<never> => {
    throw new ConfigurationError(
      `this needs the identity pool: set ${HANDLER_ENV.identityPoolId} and ${HANDLER_ENV.developerProviderName}`,
    );
  };
  return {
    getTokenForUser: refuse,
    createGuestIdentity: refuse,
    unlinkUser: refuse,
    removeIdentity: refuse,
  } as IdentityBroker;
}

export interface DevauthSession {
  readonly devauth: Devauth;
  readonly users: UserStore;
  readonly config: HandlerConfig;
  readonly composition: Composition;
  /** Releases the store (the pg pool, PGlite, the SDK clients). Idempotent. */
  readonly close: () => Promise<void>;
}

/** The core over the configured stores and broker, composed as the handlers compose it. */
export async function openDevauth(env: Environment, options: OpenOptions): Promise<DevauthSession> {
  const { config, withoutBroker } = await loadCliConfig(env, options);
  const { composeDevauth, createJsonLogger, silentLogger } = await import('@devauth/lambda-handlers');
  let composition: Composition;
  try {
    composition = await composeDevauth(config, {
      // The handlers' logger writes JSON lines to stdout, which is the CLI's output (a code, a listing, a report):
      // the CLI says what it did in its own words there, and keeps only the audit lines, written where asked.
      logger: options.audit
        ? auditOnly(createJsonLogger({ write: options.audit, base: { source: 'devauth-cli' } }))
        : silentLogger,
      ...(withoutBroker ? { overrides: { [TOKENS.IdentityBroker]: brokerNotConfigured() } } : {}),
    });
  } catch (error) {
    throw storeOpenError(error, config.store);
  }
  let closed = false;
  return {
    devauth: composition.devauth,
    users: composition.users,
    config,
    composition,
    close: async () => {
      if (closed) return;
      closed = true;
      await composition.close();
    },
  };
}

/** The audit lines of a logger (message `audit`, see the handlers' auditLogSink); nothing else. */
function auditOnly(logger: Logger): Logger {
  const only =
    (level: keyof Logger) =>
    (message: string, ...fields: LogFields[]) => {
      if (message === 'audit') logger[level](message, ...fields);
    };
  return { info: only('info'), warn: only('warn'), error: only('error') };
}

/** Why the store could not be opened, in words (a missing optional package, a devauth error, anything else). */
export function storeOpenError(error: unknown, store: string): unknown {
  const missing = missingPackageOf(error);
  if (missing) {
    return new CliError(
      `store ${store} needs the package ${missing}, which is not installed: npm install ${missing}`,
      EXIT.failure,
    );
  }
  if (isDevauthError(error)) return error;
  return error;
}

/** The package a failed dynamic import names (ERR_MODULE_NOT_FOUND), if any. */
export function missingPackageOf(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const match = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(String(message));
  return match?.[1];
}
