/**
 * `@devauth/lambda-handlers/env`: the names of the environment variables the handlers read, with no import, so a
 * deployment (e.g. `@devauth/cdk`) sets exactly the names `loadConfig` reads without loading zod, the core or an SDK.
 * One source for both sides: `loadConfig` reads `source[HANDLER_ENV.<field>]`, the constructs write the same keys.
 */
import type { HandlerConfigInput } from './config.js';

/** The environment variable of each configuration field (see `loadConfig`). */
export const HANDLER_ENV = {
  store: 'DEVAUTH_STORE',
  tableName: 'DEVAUTH_TABLE_NAME',
  databaseUrl: 'DEVAUTH_DATABASE_URL',
  databaseSecretArn: 'DEVAUTH_DATABASE_SECRET_ARN',
  databaseHost: 'DEVAUTH_DATABASE_HOST',
  databaseTls: 'DEVAUTH_DATABASE_TLS',
  databaseCaFile: 'DEVAUTH_DATABASE_CA_FILE',
  pgliteDataDir: 'DEVAUTH_PGLITE_DATA_DIR',
  broker: 'DEVAUTH_BROKER',
  identityPoolId: 'DEVAUTH_IDENTITY_POOL_ID',
  developerProviderName: 'DEVAUTH_DEVELOPER_PROVIDER_NAME',
  cognitoEndpoint: 'DEVAUTH_COGNITO_ENDPOINT',
  /** Falls back to `AWS_REGION` (which the Lambda runtime sets). */
  region: 'DEVAUTH_REGION',
  tokenDurationSeconds: 'DEVAUTH_TOKEN_DURATION_SECONDS',
  allowLongTokenDuration: 'DEVAUTH_ALLOW_LONG_TOKEN_DURATION',
  guestLinkTtlSeconds: 'DEVAUTH_GUEST_LINK_TTL_SECONDS',
  refreshReuseLeewaySeconds: 'DEVAUTH_REFRESH_REUSE_LEEWAY_SECONDS',
  revealDisabledAccounts: 'DEVAUTH_REVEAL_DISABLED_ACCOUNTS',
  trustedProxies: 'DEVAUTH_TRUSTED_PROXIES',
  guardCacheTtlSeconds: 'DEVAUTH_GUARD_CACHE_TTL_SECONDS',
  roles: 'DEVAUTH_ROLES',
  corsOrigins: 'DEVAUTH_CORS_ORIGINS',
  maxBodyBytes: 'DEVAUTH_MAX_BODY_BYTES',
  messages: 'DEVAUTH_MESSAGES',
  sesFrom: 'DEVAUTH_SES_FROM',
  sesConfigurationSet: 'DEVAUTH_SES_CONFIGURATION_SET',
  appName: 'DEVAUTH_APP_NAME',
  passwordResetUrl: 'DEVAUTH_PASSWORD_RESET_URL',
  passwordResetTtlSeconds: 'DEVAUTH_PASSWORD_RESET_TTL_SECONDS',
  passwordResetResponseFloorMs: 'DEVAUTH_PASSWORD_RESET_RESPONSE_FLOOR_MS',
  passwordResetToUnverifiedEmail: 'DEVAUTH_PASSWORD_RESET_TO_UNVERIFIED_EMAIL',
  emailVerificationUrl: 'DEVAUTH_EMAIL_VERIFICATION_URL',
  emailVerificationTtlSeconds: 'DEVAUTH_EMAIL_VERIFICATION_TTL_SECONDS',
  requireVerifiedEmail: 'DEVAUTH_REQUIRE_VERIFIED_EMAIL',
  loginWithEmail: 'DEVAUTH_LOGIN_WITH_EMAIL',
} as const satisfies Record<keyof HandlerConfigInput, string>;

/**
 * The access table of an app's own Lambda function, as the JSON of `accessTableToJson` (`@devauth/access`). A
 * deployment sets it on each app function; `accessTableFromEnv` (`@devauth/lambda-handlers/access`) reads it back
 * for the guard. Not part of `loadConfig`: the auth handlers derive the only route they guard (`GET /me`) themselves.
 */
export const ACCESS_TABLE_ENV = 'DEVAUTH_ACCESS_TABLE';

// The route declaration travels with the env names: a deployment needs both, and neither imports anything.
export {
  HANDLER_ROUTES,
  type HandlerRoute,
  ROUTE_NAMES,
  type RouteAccessKind,
  type RouteName,
  routesWithAccess,
} from './routes.js';
