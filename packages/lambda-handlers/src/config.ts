import { isAbsolute } from 'node:path';
import { ConfigurationError, type DevauthConfigInput, resolveConfig } from '@devauth/core';
import * as z from 'zod';
import { compileTrustedProxies } from './client-address.js';
import { HANDLER_ENV as E } from './env.js';
import { DEFAULT_MAX_BODY_BYTES } from './http.js';

const COGNITO_ID = /^[\w-]+:[0-9a-f-]+$/;
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
/**
 * `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`. Names: letters, digits and `/_+=.@-`, and `!`,
 * which the secrets RDS manages itself use (`rds!cluster-<id>`).
 */
const SECRET_ARN = /^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[\w/+=.@!-]+$/;
/** A DNS name or an IPv4 address: labels of letters, digits and hyphens, separated by dots. */
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;

/** A page of the app that a message links to: http(s), with `{token}` where the token goes. */
const tokenUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((url) => url.includes('%7Btoken%7D') || url.includes('{token}'), 'must contain {token}');

const configSchema = z.strictObject({
  /** Which stores back devauth. `memory` is for tests and local runs only (state dies with the process). */
  store: z.enum(['memory', 'pglite', 'postgres', 'dynamodb']),
  /** DynamoDB table (store `dynamodb`). */
  tableName: z.string().regex(TABLE_NAME, 'must be 3-255 characters of a-z, A-Z, 0-9, "_", "-", "."').optional(),
  /** `postgres://...` (store `postgres`). Never logged or echoed: it may hold a password. */
  databaseUrl: z.string().min(1).optional(),
  /**
   * Instead of `databaseUrl`: a Secrets Manager secret holding the connection as RDS writes it (JSON with host, port,
   * username, password, dbname). The password is re-read from it, so a rotation needs no redeploy.
   */
  databaseSecretArn: z
    .string()
    .max(2048)
    .regex(
      SECRET_ARN,
      'must be a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>)',
    )
    .optional(),
  /** Host to connect to instead of the secret's `host` (an RDS Proxy endpoint). Only with `databaseSecretArn`. */
  databaseHost: z.string().max(255).regex(HOSTNAME, 'must be a hostname').optional(),
  /** TLS of a `databaseSecretArn` connection (a `databaseUrl` keeps its own `sslmode`). */
  databaseTls: z.enum(['verify-full', 'disable']).default('verify-full'),
  /** PEM bundle trusted for `verify-full` instead of Node's default CAs (on Lambda: /var/runtime/ca-cert.pem). */
  databaseCaFile: z.string().max(4096).refine(isAbsolute, 'must be an absolute path').optional(),
  /** PGlite data directory (store `pglite`); in memory when absent. */
  pgliteDataDir: z.string().min(1).optional(),
  /** Identity broker: Cognito, or the in-process fake (tests, local runs). */
  broker: z.enum(['cognito', 'fake']).default('cognito'),
  identityPoolId: z.string().max(55).regex(COGNITO_ID, 'must look like "<region>:<guid>"').optional(),
  developerProviderName: z
    .string()
    .regex(/^[\w._-]{1,128}$/, 'must be 1-128 characters of A-Z, a-z, 0-9, "_", ".", "-"')
    .optional(),
  /** Cognito Identity endpoint override (a local emulator). */
  cognitoEndpoint: z.url().optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
    .optional(),
  tokenDurationSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Needed for `tokenDurationSeconds` above 900 (it lengthens how long a revoked user keeps obtaining credentials). */
  allowLongTokenDuration: z.boolean().optional(),
  /** Lifetime of a guest link secret (default 30 days). */
  guestLinkTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(365 * 86_400)
    .optional(),
  /** Seconds a just-rotated refresh token may be presented again without revoking the session (default 0). */
  refreshReuseLeewaySeconds: z.number().int().min(0).max(300).optional(),
  /** Say ACCOUNT_DISABLED after a correct password (default false: a disabled account answers like a wrong one). */
  revealDisabledAccounts: z.boolean().optional(),
  /** Proxies in front of API Gateway whose X-Forwarded-For is believed (addresses or CIDR ranges; default none). */
  trustedProxies: z.array(z.string().min(1).max(64)).max(1000).default([]),
  /** How long the in-Lambda guard reuses a user lookup (default 30 s; 0 disables the cache). */
  guardCacheTtlSeconds: z.number().int().min(0).max(3600).optional(),
  roles: z.array(z.string()).min(1).optional(),
  corsOrigins: z
    .array(
      z
        .string()
        .refine(
          (origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin),
          'must be "*" or an origin like https://app.example.com',
        ),
    )
    .default([]),
  maxBodyBytes: z.number().int().min(64).max(1_048_576).default(DEFAULT_MAX_BODY_BYTES),
  /**
   * How messages (password reset, email verification, notifications) are sent: `ses` (Amazon SES v2,
   * `@devauth/adapters-ses`) or `none` (default: password reset and email change requests then fail as not
   * configured, registration sends no verification link, notifications are skipped).
   */
  messages: z.enum(['none', 'ses']).default('none'),
  /** The SES sender identity (`noreply@example.com` or `Shop <noreply@example.com>`); required with `ses`. */
  sesFrom: z.string().min(3).max(320).optional(),
  sesConfigurationSet: z
    .string()
    .regex(/^[\w-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, "_", "-"')
    .optional(),
  /** The product name in messages (default `devauth`). */
  appName: z.string().min(1).max(64).optional(),
  /** The page that completes a reset, with `{token}` where the token goes (e.g. https://app.example.com/reset?t={token}). */
  passwordResetUrl: tokenUrl.optional(),
  passwordResetTtlSeconds: z.number().int().min(60).max(86_400).optional(),
  passwordResetResponseFloorMs: z.number().int().min(0).max(30_000).optional(),
  /**
   * Send reset messages to addresses nobody verified too (default false). Only while moving users who registered
   * before email verification existed: whoever reads an unverified address would own the account.
   */
  passwordResetToUnverifiedEmail: z.boolean().optional(),
  /** The page that follows a verification link, with `{token}` (e.g. https://app.example.com/verify?t={token}). */
  emailVerificationUrl: tokenUrl.optional(),
  /** Lifetime of an email-verification token (default 24 hours, at most 7 days). */
  emailVerificationTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .optional(),
  /** Refuse login until the address is verified (EMAIL_NOT_VERIFIED) and require an address at registration. */
  requireVerifiedEmail: z.boolean().optional(),
  /** Accept a verified email address in place of the username at login and in reset requests. */
  loginWithEmail: z.boolean().optional(),
});

/** Settings of the handlers, as written in code or parsed from the environment. */
export type HandlerConfigInput = z.input<typeof configSchema>;
export type HandlerConfig = z.output<typeof configSchema>;

/**
 * Validates the configuration once (at cold start) and throws one ConfigurationError listing every problem by field.
 * The core's own settings (roles, token duration) are checked here too, so a bad role list fails before any request.
 */
export function parseConfig(input: HandlerConfigInput): HandlerConfig {
  const config = validate(configSchema, input, [
    ...storeProblems(input),
    ...brokerProblems(input),
    ...messageProblems(input),
  ]);
  resolveConfig(coreConfigOf(config));
  compileTrustedProxies(config.trustedProxies);
  return config;
}

/** The fields that say where the data lives: all the `migrate` entry reads (it needs no broker, roles or CORS). */
const storeSchema = configSchema.pick({
  store: true,
  tableName: true,
  databaseUrl: true,
  databaseSecretArn: true,
  databaseHost: true,
  databaseTls: true,
  databaseCaFile: true,
  pgliteDataDir: true,
  region: true,
});
export type StoreConfigInput = z.input<typeof storeSchema>;
export type StoreConfig = z.output<typeof storeSchema>;

/** Validates only the store settings, with the same rules and messages as `parseConfig`. */
export function parseStoreConfig(input: StoreConfigInput): StoreConfig {
  return validate(storeSchema, input, storeProblems(input));
}

/** Parses `input` with `schema` and throws one ConfigurationError listing the schema's problems and `more`. */
function validate<S extends z.ZodType>(schema: S, input: unknown, more: readonly string[]): z.output<S> {
  const parsed = schema.safeParse(input);
  // Messages name the field and the rule, never the value (a database URL may carry a password).
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  problems.push(...more);
  if (!parsed.success || problems.length > 0) {
    throw new ConfigurationError(`Invalid devauth handler configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/*
 * Settings required (or excluded) by the chosen store or broker. Checked on the raw input, apart from the schema, so
 * that they are reported together with every other problem (zod skips refinements once a field is invalid).
 */
const rawOf = (input: unknown) => (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;

function storeProblems(input: unknown): string[] {
  const raw = rawOf(input);
  const problems: string[] = [];
  if (raw.store === 'dynamodb' && raw.tableName === undefined) {
    problems.push('tableName: required when store is "dynamodb"');
  }
  if (raw.store === 'postgres') {
    const url = raw.databaseUrl !== undefined;
    const secret = raw.databaseSecretArn !== undefined;
    // Exactly one source of credentials: with both, which one wins would be a guess.
    if (!url && !secret) problems.push('databaseUrl or databaseSecretArn: required when store is "postgres"');
    if (url && secret) problems.push('databaseUrl, databaseSecretArn: set only one of them');
    // A URL names its own host: an override that would be silently ignored is a mistake worth reporting.
    if (url && raw.databaseHost !== undefined) problems.push('databaseHost: only used with databaseSecretArn');
  }
  return problems;
}

function messageProblems(input: unknown): string[] {
  const raw = rawOf(input);
  const problems: string[] = [];
  if (raw.messages === 'ses' && raw.sesFrom === undefined) problems.push('sesFrom: required when messages is "ses"');
  // Without a sender no verification link is ever sent, so nobody could log in.
  if (raw.requireVerifiedEmail === true && raw.messages !== 'ses') {
    problems.push('requireVerifiedEmail: needs messages "ses" (verification links must be sent)');
  }
  return problems;
}

function brokerProblems(input: unknown): string[] {
  const raw = rawOf(input);
  if ((raw.broker ?? 'cognito') !== 'cognito') return [];
  return ['identityPoolId', 'developerProviderName']
    .filter((field) => raw[field] === undefined)
    .map((field) => `${field}: required when broker is "cognito"`);
}

/** The part of the configuration the core reads. */
export function coreConfigOf(config: HandlerConfig): DevauthConfigInput {
  const core: Record<string, unknown> = {
    roles: config.roles,
    tokenDurationSeconds: config.tokenDurationSeconds,
    allowLongTokenDuration: config.allowLongTokenDuration,
    guestLinkTtlSeconds: config.guestLinkTtlSeconds,
    refreshReuseLeewaySeconds: config.refreshReuseLeewaySeconds,
    revealDisabledAccounts: config.revealDisabledAccounts,
    passwordResetTtlSeconds: config.passwordResetTtlSeconds,
    passwordResetResponseFloorMs: config.passwordResetResponseFloorMs,
    passwordResetToUnverifiedEmail: config.passwordResetToUnverifiedEmail,
    emailVerificationTtlSeconds: config.emailVerificationTtlSeconds,
    requireVerifiedEmail: config.requireVerifiedEmail,
    loginWithEmail: config.loginWithEmail,
  };
  for (const key of Object.keys(core)) if (core[key] === undefined) delete core[key];
  return core as DevauthConfigInput;
}

/** The environment variables `loadConfig` reads, by config field, with how each is written (names: `HANDLER_ENV`). */
export const ENVIRONMENT_VARIABLES = {
  store: E.store,
  tableName: E.tableName,
  databaseUrl: E.databaseUrl,
  databaseSecretArn: E.databaseSecretArn,
  databaseHost: E.databaseHost,
  databaseTls: `${E.databaseTls} (verify-full/disable)`,
  databaseCaFile: E.databaseCaFile,
  pgliteDataDir: E.pgliteDataDir,
  broker: E.broker,
  identityPoolId: E.identityPoolId,
  developerProviderName: E.developerProviderName,
  cognitoEndpoint: E.cognitoEndpoint,
  region: `${E.region} (default AWS_REGION)`,
  tokenDurationSeconds: E.tokenDurationSeconds,
  allowLongTokenDuration: `${E.allowLongTokenDuration} (true/false)`,
  guestLinkTtlSeconds: E.guestLinkTtlSeconds,
  refreshReuseLeewaySeconds: E.refreshReuseLeewaySeconds,
  revealDisabledAccounts: `${E.revealDisabledAccounts} (true/false)`,
  trustedProxies: `${E.trustedProxies} (comma-separated addresses or CIDR ranges)`,
  guardCacheTtlSeconds: E.guardCacheTtlSeconds,
  roles: `${E.roles} (comma-separated)`,
  corsOrigins: `${E.corsOrigins} (comma-separated)`,
  maxBodyBytes: E.maxBodyBytes,
  messages: `${E.messages} (none/ses)`,
  sesFrom: E.sesFrom,
  sesConfigurationSet: E.sesConfigurationSet,
  appName: E.appName,
  passwordResetUrl: `${E.passwordResetUrl} (with {token})`,
  passwordResetTtlSeconds: E.passwordResetTtlSeconds,
  passwordResetResponseFloorMs: E.passwordResetResponseFloorMs,
  passwordResetToUnverifiedEmail: `${E.passwordResetToUnverifiedEmail} (true/false)`,
  emailVerificationUrl: `${E.emailVerificationUrl} (with {token})`,
  emailVerificationTtlSeconds: E.emailVerificationTtlSeconds,
  requireVerifiedEmail: `${E.requireVerifiedEmail} (true/false)`,
  loginWithEmail: `${E.loginWithEmail} (true/false)`,
} as const;

type Environment = Readonly<Record<string, string | undefined>>;

const text = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
const list = (value: string | undefined) =>
  text(value)
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
/** Booleans likewise: only `true`/`false`, anything else reaches the schema as a string and is reported. */
const flag = (value: string | undefined): unknown => {
  const raw = text(value)?.toLowerCase();
  if (raw === undefined) return undefined;
  return raw === 'true' ? true : raw === 'false' ? false : raw;
};
/** Numbers stay strings when malformed so the schema reports them ("expected number") instead of NaN slipping in. */
const integer = (value: string | undefined): unknown => {
  const raw = text(value);
  if (raw === undefined) return undefined;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
};

/** The store settings as written in the environment (strings, before validation). */
function storeInputOf(source: Environment): Record<string, unknown> {
  return {
    store: text(source[E.store]),
    tableName: text(source[E.tableName]),
    databaseUrl: text(source[E.databaseUrl]),
    databaseSecretArn: text(source[E.databaseSecretArn]),
    databaseHost: text(source[E.databaseHost]),
    databaseTls: text(source[E.databaseTls]),
    databaseCaFile: text(source[E.databaseCaFile]),
    pgliteDataDir: text(source[E.pgliteDataDir]),
    region: text(source[E.region]) ?? text(source.AWS_REGION),
  };
}

function withoutUndefined(input: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return input;
}

/** Reads and validates the configuration from environment variables (names: HANDLER_ENV, see ENVIRONMENT_VARIABLES). */
export function loadConfig(source: Environment = process.env): HandlerConfig {
  const input: Record<string, unknown> = {
    ...storeInputOf(source),
    broker: text(source[E.broker]),
    identityPoolId: text(source[E.identityPoolId]),
    developerProviderName: text(source[E.developerProviderName]),
    cognitoEndpoint: text(source[E.cognitoEndpoint]),
    tokenDurationSeconds: integer(source[E.tokenDurationSeconds]),
    allowLongTokenDuration: flag(source[E.allowLongTokenDuration]),
    guestLinkTtlSeconds: integer(source[E.guestLinkTtlSeconds]),
    refreshReuseLeewaySeconds: integer(source[E.refreshReuseLeewaySeconds]),
    revealDisabledAccounts: flag(source[E.revealDisabledAccounts]),
    trustedProxies: list(source[E.trustedProxies]),
    guardCacheTtlSeconds: integer(source[E.guardCacheTtlSeconds]),
    roles: list(source[E.roles]),
    corsOrigins: list(source[E.corsOrigins]),
    maxBodyBytes: integer(source[E.maxBodyBytes]),
    messages: text(source[E.messages]),
    sesFrom: text(source[E.sesFrom]),
    sesConfigurationSet: text(source[E.sesConfigurationSet]),
    appName: text(source[E.appName]),
    passwordResetUrl: text(source[E.passwordResetUrl]),
    passwordResetTtlSeconds: integer(source[E.passwordResetTtlSeconds]),
    passwordResetResponseFloorMs: integer(source[E.passwordResetResponseFloorMs]),
    passwordResetToUnverifiedEmail: flag(source[E.passwordResetToUnverifiedEmail]),
    emailVerificationUrl: text(source[E.emailVerificationUrl]),
    emailVerificationTtlSeconds: integer(source[E.emailVerificationTtlSeconds]),
    requireVerifiedEmail: flag(source[E.requireVerifiedEmail]),
    loginWithEmail: flag(source[E.loginWithEmail]),
  };
  return parseConfig(withoutUndefined(input) as HandlerConfigInput);
}

/** Reads and validates only the store settings from the environment (the `migrate` entry: no broker needed). */
export function loadStoreConfig(source: Environment = process.env): StoreConfig {
  return parseStoreConfig(withoutUndefined(storeInputOf(source)) as StoreConfigInput);
}
