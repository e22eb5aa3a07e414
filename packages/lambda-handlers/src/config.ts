import { ConfigurationError, resolveConfig } from '@devauth/core';
import * as z from 'zod';
import { DEFAULT_MAX_BODY_BYTES } from './http.js';

const COGNITO_ID = /^[\w-]+:[0-9a-f-]+$/;
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

const configSchema = z.strictObject({
  /** Which stores back devauth. `memory` is for tests and local runs only (state dies with the process). */
  store: z.enum(['memory', 'pglite', 'postgres', 'dynamodb']),
  /** DynamoDB table (store `dynamodb`). */
  tableName: z.string().regex(TABLE_NAME, 'must be 3-255 characters of a-z, A-Z, 0-9, "_", "-", "."').optional(),
  /** `postgres://...` (store `postgres`). Never logged or echoed: it may hold a password. */
  databaseUrl: z.string().min(1).optional(),
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
});

/** Settings of the handlers, as written in code or parsed from the environment. */
export type HandlerConfigInput = z.input<typeof configSchema>;
export type HandlerConfig = z.output<typeof configSchema>;

/**
 * Validates the configuration once (at cold start) and throws one ConfigurationError listing every problem by field.
 * The core's own settings (roles, token duration) are checked here too, so a bad role list fails before any request.
 */
export function parseConfig(input: HandlerConfigInput): HandlerConfig {
  const parsed = configSchema.safeParse(input);
  // Messages name the field and the rule, never the value (a database URL may carry a password).
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  problems.push(...missingSettings(input));
  if (!parsed.success || problems.length > 0) {
    throw new ConfigurationError(`Invalid devauth handler configuration: ${problems.join('; ')}`);
  }
  resolveConfig(coreConfigOf(parsed.data));
  return parsed.data;
}

/**
 * Settings required by the chosen store or broker. Checked on the raw input, apart from the schema, so that they are
 * reported together with every other problem (zod skips refinements once a field is invalid).
 */
function missingSettings(input: HandlerConfigInput): string[] {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const missing: string[] = [];
  const need = (field: string, when: string) => {
    if (raw[field] === undefined) missing.push(`${field}: required ${when}`);
  };
  if (raw.store === 'dynamodb') need('tableName', 'when store is "dynamodb"');
  if (raw.store === 'postgres') need('databaseUrl', 'when store is "postgres"');
  if ((raw.broker ?? 'cognito') === 'cognito') {
    need('identityPoolId', 'when broker is "cognito"');
    need('developerProviderName', 'when broker is "cognito"');
  }
  return missing;
}

/** The part of the configuration the core reads. */
export function coreConfigOf(config: HandlerConfig): { roles?: string[]; tokenDurationSeconds?: number } {
  return {
    ...(config.roles ? { roles: config.roles } : {}),
    ...(config.tokenDurationSeconds !== undefined ? { tokenDurationSeconds: config.tokenDurationSeconds } : {}),
  };
}

/** The environment variables `loadConfig` reads, by config field. */
export const ENVIRONMENT_VARIABLES = {
  store: 'DEVAUTH_STORE',
  tableName: 'DEVAUTH_TABLE_NAME',
  databaseUrl: 'DEVAUTH_DATABASE_URL',
  pgliteDataDir: 'DEVAUTH_PGLITE_DATA_DIR',
  broker: 'DEVAUTH_BROKER',
  identityPoolId: 'DEVAUTH_IDENTITY_POOL_ID',
  developerProviderName: 'DEVAUTH_DEVELOPER_PROVIDER_NAME',
  cognitoEndpoint: 'DEVAUTH_COGNITO_ENDPOINT',
  region: 'DEVAUTH_REGION (default AWS_REGION)',
  tokenDurationSeconds: 'DEVAUTH_TOKEN_DURATION_SECONDS',
  roles: 'DEVAUTH_ROLES (comma-separated)',
  corsOrigins: 'DEVAUTH_CORS_ORIGINS (comma-separated)',
  maxBodyBytes: 'DEVAUTH_MAX_BODY_BYTES',
} as const;

type Environment = Readonly<Record<string, string | undefined>>;

const text = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
const list = (value: string | undefined) =>
  text(value)
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
/** Numbers stay strings when malformed so the schema reports them ("expected number") instead of NaN slipping in. */
const integer = (value: string | undefined): unknown => {
  const raw = text(value);
  if (raw === undefined) return undefined;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
};

/** Reads and validates the configuration from environment variables (see ENVIRONMENT_VARIABLES). */
export function loadConfig(source: Environment = process.env): HandlerConfig {
  const input: Record<string, unknown> = {
    store: text(source.DEVAUTH_STORE),
    tableName: text(source.DEVAUTH_TABLE_NAME),
    databaseUrl: text(source.DEVAUTH_DATABASE_URL),
    pgliteDataDir: text(source.DEVAUTH_PGLITE_DATA_DIR),
    broker: text(source.DEVAUTH_BROKER),
    identityPoolId: text(source.DEVAUTH_IDENTITY_POOL_ID),
    developerProviderName: text(source.DEVAUTH_DEVELOPER_PROVIDER_NAME),
    cognitoEndpoint: text(source.DEVAUTH_COGNITO_ENDPOINT),
    region: text(source.DEVAUTH_REGION) ?? text(source.AWS_REGION),
    tokenDurationSeconds: integer(source.DEVAUTH_TOKEN_DURATION_SECONDS),
    roles: list(source.DEVAUTH_ROLES),
    corsOrigins: list(source.DEVAUTH_CORS_ORIGINS),
    maxBodyBytes: integer(source.DEVAUTH_MAX_BODY_BYTES),
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return parseConfig(input as HandlerConfigInput);
}
