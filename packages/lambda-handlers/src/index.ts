/**
 * `@devauth/lambda-handlers`: devauth's register, login, guest, refresh, logout, `me`, account and admin routes as
 * Lambda handlers for API Gateway REST (payload v1) and HTTP API (payload v2) proxy events. Nothing heavy runs at
 * import: adapters, tsyringe and SDK clients are loaded when a handler first needs them. Middy users:
 * `@devauth/lambda-handlers/middy`. The route declaration (`HANDLER_ROUTES`) is in `@devauth/lambda-handlers/env`.
 */
export {
  type AuthHandlers,
  type AuthHandlersOptions,
  type ConfiguredHandlers,
  type ConfiguredHandlersOptions,
  composeDevauth,
  createAuthHandlers,
  createEnvHandler,
  createHandlersFromConfig,
} from './app.js';
export { clientHintOf } from './client-hint.js';
export type { ComposeOptions, Composition, Overrides } from './composition-types.js';
export {
  coreConfigOf,
  ENVIRONMENT_VARIABLES,
  type HandlerConfig,
  type HandlerConfigInput,
  loadConfig,
  loadStoreConfig,
  parseConfig,
  parseStoreConfig,
  type StoreConfig,
  type StoreConfigInput,
} from './config.js';
export { ACCESS_TABLE_ENV, HANDLER_ENV } from './env.js';
export {
  type ApiGatewayProxyEvent,
  type ApiGatewayProxyEventV1,
  type ApiGatewayProxyEventV2,
  type ApiGatewayProxyResult,
  type ApiGatewayProxyResultV1,
  type ApiGatewayProxyResultV2,
  type HttpRequest,
  isV2Event,
  type LambdaContextLike,
  normalizeEvent,
} from './events.js';
export { ACCOUNT_ROUTES, SIGNED_ACCOUNT_ROUTES, type SignedInRouteDependencies } from './handlers/account.js';
export {
  ADMIN_ROUTE_NAMES,
  ADMIN_ROUTES,
  adminAccessTable,
  adminSetRoleBodySchema,
  adminSetStatusBodySchema,
  createAdminCreateInvitationHandler,
  createAdminDeleteUserHandler,
  createAdminGetUserHandler,
  createAdminListInvitationsHandler,
  createAdminListUsersHandler,
  createAdminRevokeInvitationHandler,
  createAdminRevokeSessionsHandler,
  createAdminSetRoleHandler,
  createAdminSetStatusHandler,
} from './handlers/admin.js';
export {
  type AuthRouteDependencies,
  createGuestHandler,
  createLoginHandler,
  createLogoutHandler,
  createRefreshHandler,
  createRegisterHandler,
} from './handlers/auth.js';
export { createMeHandler, type MeDependencies, type MeRouteDependencies } from './handlers/me.js';
export type { ApiGatewayHandler, EdgeOptions, RouteName } from './handlers/route.js';
/** The JSON shape of a user in responses (`/me`, the admin routes), for tools that print users the same way. */
export { publicUserBody } from './handlers/session.js';
export { type CorsOptions, DEFAULT_MAX_BODY_BYTES, type HttpResponse } from './http.js';
export { type ErrorBody, HttpError, mapError } from './http-errors.js';
export type { Lazy } from './lazy.js';
export { createJsonLogger, type JsonLoggerOptions, type LogFields, type Logger, silentLogger } from './logger.js';
export {
  createMigrateHandler,
  MIGRATIONS_RESOURCE_ID,
  type MigrateEvent,
  type MigrateHandler,
  type MigrateHandlerOptions,
  type MigrateResult,
} from './migrate.js';
export { generateOpenApi, type OpenApiOptions } from './openapi.js';
export {
  type PostgresConnection,
  type PostgresConnectionDeps,
  type PostgresConnectionSettings,
  type PostgresPoolConfig,
  postgresConnection,
  SECRET_MAX_AGE_MS,
  type SecretFetcher,
} from './postgres-connection.js';
