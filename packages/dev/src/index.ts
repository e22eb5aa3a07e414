/**
 * `@devauth/dev`: devauth on a developer's machine. `startLocalStack` wires the identity-pool emulator, the local
 * gateway, the Cognito adapter and the Lambda handlers around the stores it is given, with one `stop()`. It is the
 * one package allowed to depend on both `@devauth/lambda-handlers` and `@devauth/local`.
 */
export type { AppResponse, AppRoute } from './app-routes.js';
export { DEV_CONFIG_FILES, type DevConfig, type DevRouteConfig, defineDevConfig } from './dev-server/dev-config.js';
export { type DevServer, type DevServerInfo, type DevServerOptions, startDevServer } from './dev-server/dev-server.js';
export type { DevStoreKind } from './dev-server/dev-store.js';
export { DevServerError } from './dev-server/errors.js';
export {
  LOCAL_BACKEND_CREDENTIALS,
  type LocalStack,
  type LocalStackOptions,
  type LocalStackStores,
  startLocalStack,
} from './local-stack.js';
