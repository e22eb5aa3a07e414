/**
 * `@devauth/lambda-handlers/access`: the in-Lambda guard and the API Gateway event readers it uses, plus a re-export
 * of `@devauth/access` (the route-to-roles table, ARNs, IAM policies, evaluator), so one import serves a handler that
 * both declares and enforces its routes. The re-export costs nothing: the guard needs that package anyway.
 */
export * from '@devauth/access';
export { ACCESS_TABLE_ENV } from '../env.js';
export {
  type CallerIdentity,
  type HttpApiCognitoIdentity,
  type HttpApiIamEvent,
  iamIdentityOf,
  type RestApiIamEvent,
  type RestApiIamIdentity,
  routeOf,
} from './caller.js';
export { accessTableFromEnv } from './env-table.js';
export { type Caller, createGuard, type Guard, type GuardDecision, type GuardOptions } from './guard.js';
export { type UserLookup, userLookupFromEnv } from './user-lookup.js';
