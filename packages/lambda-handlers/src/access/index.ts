/**
 * `@devauth/lambda-handlers/access`: one route-to-roles table, and everything derived from it: execute-api ARNs,
 * the identity pool's IAM policies, a small IAM evaluator to check them, and the in-Lambda guard.
 */
export {
  type AccessTable,
  DEFAULT_ACCESS_ROLES,
  defineAccessTable,
  EXAMPLE_ACCESS_TABLE,
  HTTP_METHODS,
  type HttpMethod,
  isAllowed,
  matchRoute,
  type RouteAccess,
} from './access-table.js';
export { type ApiTarget, executeApiArn } from './arn.js';
export {
  type CallerIdentity,
  type HttpApiCognitoIdentity,
  type HttpApiIamEvent,
  iamIdentityOf,
  type RestApiIamEvent,
  type RestApiIamIdentity,
  routeOf,
} from './caller.js';
export { type Caller, createGuard, type Guard, type GuardDecision, type GuardOptions } from './guard.js';
export {
  type IamPolicies,
  iamPolicies,
  PERMISSIONS_POLICY_SIZE_LIMIT,
  type PolicyDocument,
  type PolicyStatement,
  policySize,
  ROLE_TAG_KEY,
  TRUST_POLICY_SIZE_LIMIT,
} from './iam-policies.js';
export type { NestedPathGap } from './nested-deny.js';
export { evaluatePolicy, type PolicyRequest } from './policy-evaluator.js';
