/**
 * `@devauth/dev`: devauth on a developer's machine. `startLocalStack` wires the identity-pool emulator, the local
 * gateway, the Cognito adapter and the Lambda handlers around the stores it is given, with one `stop()`. It is the
 * one package allowed to depend on both `@devauth/lambda-handlers` and `@devauth/local`.
 */
export type { AppResponse, AppRoute } from './app-routes.js';
export { type LocalStack, type LocalStackOptions, type LocalStackStores, startLocalStack } from './local-stack.js';
