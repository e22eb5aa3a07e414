import { describe, expect, it } from 'vitest';
import {
  defineAccessTable,
  EXAMPLE_ACCESS_TABLE,
  evaluatePolicy,
  iamPolicies,
  PERMISSIONS_POLICY_SIZE_LIMIT,
  type PolicyDocument,
  policySize,
  type RouteAccess,
  TRUST_POLICY_SIZE_LIMIT,
} from '../src/index.js';
import { covers } from '../src/nested-deny.js';
import { POOL_ID, REST_TARGET } from './support.js';

const prefix = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/';
const roles = ['shopper', 'seller', 'admin'];

/** Our evaluator on `METHOD /path`: guests on the unauthenticated policy, others with their role tag. */
function allows(table: ReturnType<typeof defineAccessTable>, role: string, request: string): boolean {
  const policies = iamPolicies(table, REST_TARGET, POOL_ID);
  const [method, path] = request.split(' ');
  const policy: PolicyDocument =
    role === 'guest' ? policies.unauthenticatedRolePolicy : policies.authenticatedRolePolicy;
  return evaluatePolicy(policy, {
    action: 'execute-api:Invoke',
    resource: `${prefix}${method}${path}`,
    principalTags: role === 'guest' ? {} : { role },
  });
}

describe('iamPolicies: Deny of nested paths', () => {
  it('gives guests the same Deny, without a tag condition (guests carry no tags)', () => {
    const table = defineAccessTable([{ method: 'GET', path: '/products/{id}', roles: ['guest'] }]);
    expect(iamPolicies(table, REST_TARGET, POOL_ID).unauthenticatedRolePolicy.Statement).toEqual([
      { Sid: 'GuestInvoke', Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [`${prefix}GET/products/*`] },
      { Sid: 'GuestDenyNested', Effect: 'Deny', Action: 'execute-api:Invoke', Resource: [`${prefix}GET/*/*/*`] },
    ]);
    expect(allows(table, 'guest', 'GET /products/42')).toBe(true);
    expect(allows(table, 'guest', 'GET /products/a/b')).toBe(false);
  });

  it('does not deny a deeper route of the same role, and leaves no gap when its method differs', () => {
    const table = defineAccessTable([
      { method: 'DELETE', path: '/products/{id}', roles: ['seller'] },
      { method: 'GET', path: '/products/{id}/reviews', roles: ['seller'] },
    ]);
    expect(allows(table, 'seller', 'GET /products/42/reviews')).toBe(true);
    expect(allows(table, 'seller', 'DELETE /products/42')).toBe(true);
    for (const denied of ['DELETE /products/42/reviews', 'DELETE /products/a/b', 'GET /products/a/b/reviews']) {
      expect(allows(table, 'seller', denied)).toBe(false);
    }
    expect(iamPolicies(table, REST_TARGET, POOL_ID).nestedPathGaps).toEqual([]);
  });

  it('reports the gap IAM cannot close: a deeper route of the same method and role', () => {
    const table = defineAccessTable([
      { method: 'GET', path: '/products/{id}', roles: ['shopper'] },
      { method: 'GET', path: '/products/{id}/reviews', roles: ['shopper'] },
    ]);
    expect(iamPolicies(table, REST_TARGET, POOL_ID).nestedPathGaps).toEqual([
      {
        role: 'shopper',
        route: 'GET /products/{id}',
        deeperRoutes: ['GET /products/{id}/reviews'],
        deniedFrom: `${prefix}GET/products/*/*/*`,
      },
    ]);
    expect(allows(table, 'shopper', 'GET /products/42/reviews')).toBe(true);
    // The gap: as deep as the reviews route, any last segment. A Deny of it would also deny the reviews route.
    expect(allows(table, 'shopper', 'GET /products/a/b')).toBe(true);
    // Deeper than any route of the role is denied again.
    expect(allows(table, 'shopper', 'GET /products/a/b/c')).toBe(false);
    expect(allows(table, 'shopper', 'GET /products/a/b/reviews')).toBe(false);
  });

  it("conditions each role's Deny on its tag, so it never removes another role's deeper route", () => {
    const table = defineAccessTable(
      [
        { method: 'GET', path: '/files/{name}', roles: ['seller', 'admin'] },
        { method: 'GET', path: '/files/archive/2024', roles: ['shopper'] },
      ],
      { roles },
    );
    expect(allows(table, 'shopper', 'GET /files/archive/2024')).toBe(true);
    expect(allows(table, 'seller', 'GET /files/archive/2024')).toBe(false);
    expect(allows(table, 'admin', 'GET /files/readme')).toBe(true);
    // Roles with the same Deny list share one statement; the values of one condition key are ORed.
    const denies = iamPolicies(table, REST_TARGET, POOL_ID).authenticatedRolePolicy.Statement.filter(
      (s) => s.Effect === 'Deny',
    );
    expect(denies).toEqual([
      {
        Sid: 'DenyNestedSellerAdmin',
        Effect: 'Deny',
        Action: 'execute-api:Invoke',
        Resource: [`${prefix}GET/*/*/*`],
        Condition: { StringEquals: { 'aws:PrincipalTag/role': ['seller', 'admin'] } },
      },
    ]);
  });

  it('uses one "deeper than any route" resource per method where it is shorter than the nested forms it covers', () => {
    const table = defineAccessTable([
      { method: 'GET', path: '/products/{id}', roles: ['seller'] },
      { method: 'GET', path: '/orders/{id}', roles: ['seller'] },
      { method: 'GET', path: '/shops/{shop}/stock', roles: ['seller'] },
      { method: 'PUT', path: '/shops/{shop}/products/{id}', roles: ['seller'] },
    ]);
    const deny = iamPolicies(table, REST_TARGET, POOL_ID).authenticatedRolePolicy.Statement.at(-1);
    // GET/*/*/* would meet GET /shops/{shop}/stock, so the two-segment routes keep their own nested forms; the
    // three-segment route's form (and both of PUT's) fold into "at least one segment more than the deepest route".
    expect(deny?.Resource).toEqual([
      `${prefix}GET/products/*/*`,
      `${prefix}GET/orders/*/*`,
      `${prefix}GET/*/*/*/*`,
      `${prefix}PUT/*/*/*/*/*`,
    ]);
    for (const denied of ['GET /products/a/b', 'GET /shops/s/a/stock', 'PUT /shops/s/products/a/b']) {
      expect(allows(table, 'seller', denied)).toBe(false);
    }
    for (const allowed of ['GET /shops/s/stock', 'GET /orders/7', 'PUT /shops/s/products/7']) {
      expect(allows(table, 'seller', allowed)).toBe(true);
    }
  });
});

describe('covers (drops redundant Deny resources)', () => {
  it('holds only when every string the specific pattern matches also matches the general one', () => {
    expect(covers('GET/*/*/*', 'GET/products/*/*')).toBe(true);
    expect(covers('GET/*', 'GET/a?c')).toBe(true);
    expect(covers('GET/a?c', 'GET/a*c')).toBe(false);
    expect(covers('GET/*/*/*', 'GET/products/*')).toBe(false);
    expect(covers('GET/products/*/*', 'GET/*/*/*')).toBe(false);
  });
});

describe('iamPolicies: IAM policy size limits', () => {
  const manyRoutes = (count: number, routeRoles: string[]): RouteAccess[] =>
    Array.from({ length: count }, (_, i) => ({ method: 'GET', path: `/catalogue-${i}/{id}`, roles: routeRoles }));

  it('measures documents as IAM does, and the example table is far below the limits', () => {
    const policies = iamPolicies(EXAMPLE_ACCESS_TABLE, REST_TARGET, POOL_ID);
    expect(policySize({ Version: '2012-10-17', Statement: [] })).toBe('{"Version":"2012-10-17","Statement":[]}'.length);
    expect(policySize(policies.authenticatedRolePolicy)).toBeLessThan(PERMISSIONS_POLICY_SIZE_LIMIT / 4);
    expect(policySize(policies.authenticatedTrustPolicy)).toBeLessThan(TRUST_POLICY_SIZE_LIMIT / 2);
  });

  it('fails at generation time, naming the policy, its size and the limit, when a document would exceed it', () => {
    expect(() => iamPolicies(defineAccessTable(manyRoutes(60, ['seller'])), REST_TARGET, POOL_ID)).not.toThrow();
    const large = defineAccessTable(manyRoutes(100, ['seller']));
    expect(() => iamPolicies(large, REST_TARGET, POOL_ID)).toThrow(
      /^iamPolicies: authenticatedRolePolicy is \d{4,} characters \(whitespace not counted\), over IAM's limit of 6144\. Use fewer distinct role sets, or merge literal routes into one route with a path parameter/,
    );
    const forGuests = defineAccessTable(manyRoutes(100, ['guest']));
    expect(() => iamPolicies(forGuests, REST_TARGET, POOL_ID)).toThrow(/unauthenticatedRolePolicy is \d+ characters/);
  });
});
