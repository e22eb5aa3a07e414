/**
 * `@devauth/access`: one route-to-roles table, and everything derived from it: route matching, execute-api ARNs,
 * the identity pool's IAM policies (with the explicit Denies of nested paths), and a small IAM evaluator to check
 * them. It depends on nothing but the core's role names, so the handlers' guard, the local gateway and the
 * deployment construct all read the same table.
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
export { type AccessTableJson, accessTableFromJson, accessTableToJson } from './table-json.js';
