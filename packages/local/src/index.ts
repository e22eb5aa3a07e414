/**
 * `@devauth/local`: run devauth offline. An Amazon Cognito identity-pool emulator that speaks the real AWS JSON 1.1
 * wire protocol, so the unmodified AWS SDK (and `@devauth/adapters-cognito`) work against it via `endpoint`.
 */

export type { RolePolicies } from './gateway/index.js';
export {
  type ApiGatewayV1Event,
  type ApiGatewayV2Event,
  type LocalGateway,
  type LocalGatewayOptions,
  type LocalLambdaContext,
  type LocalRoute,
  type LocalRouteV1,
  type LocalRouteV2,
  startLocalGateway,
} from './gateway/index.js';
export { allowedHostNames, isAllowedHost } from './host-check.js';
export type { BackendCredentials } from './identity-pool/backend-signature.js';
export type { AuthenticationType, IssuedCredentials } from './identity-pool/credentials.js';
export {
  type CreatePoolOptions,
  type CredentialsView,
  DEFAULT_DEVELOPER_PROVIDER_NAME,
  type EmulatorClock,
  type IdentityDescription,
  type IdentityPoolEmulator,
  type IdentityPoolEmulatorOptions,
  OPENID_CONFIGURATION_PATH,
  type PoolDescription,
  type PoolsView,
  startIdentityPoolEmulator,
} from './identity-pool/emulator.js';
export { FaultInjector, type FaultKind, type FaultOptions } from './identity-pool/faults.js';
export { OPERATIONS, type OperationName } from './identity-pool/operations.js';
export type { RequestLog, RequestLogEntry } from './identity-pool/request-log.js';
export { EmulatorStateError } from './identity-pool/state-file.js';
export type { LinkConflictBehaviour } from './identity-pool/store.js';
export {
  COGNITO_IDENTITY_ISSUER,
  COGNITO_IDENTITY_LOGIN_KEY,
  type IdentityTokenClaims,
  JWKS_PATH,
  PRINCIPAL_TAGS_CLAIM,
  TOKEN_ALGORITHM,
} from './identity-pool/tokens.js';
export type { CorsConfiguration, TemplateApi, TemplateRoute } from './template/api-routes.js';
export type { LocalDynamoDb } from './template/dynamodb-tables.js';
export { TemplateError } from './template/errors.js';
export { FunctionInvocationError, type FunctionLogLine } from './template/function-host.js';
export { startTemplateApp, type TemplateApp, type TemplateAppOptions } from './template/run-template.js';
