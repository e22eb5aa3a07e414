import { describe, expect, it } from 'vitest';
import {
  type ApiTarget,
  createGuard,
  EXAMPLE_ACCESS_TABLE,
  evaluatePolicy,
  executeApiArn,
  iamPolicies,
  isAllowed,
} from '../../src/access/index.js';
import {
  GUEST_IDENTITY,
  HTTP_TARGET,
  httpEvent,
  IDENTITIES,
  POOL_ID,
  REST_TARGET,
  restEvent,
  seededStore,
} from './support.js';

const ROLES = ['guest', 'shopper', 'seller'] as const;
const EXPECTED: Record<string, readonly string[]> = {
  'GET /products': ['guest', 'shopper', 'seller'],
  'POST /products': ['seller'],
  'GET /orders': ['shopper', 'seller'],
  'DELETE /products/{id}': ['seller'],
};

const concrete = (path: string) => path.replace('{id}', '42');

describe.each<[string, ApiTarget, typeof restEvent]>([
  ['REST API (v1)', REST_TARGET, restEvent],
  ['HTTP API (v2)', HTTP_TARGET, httpEvent],
])('table, IAM and guard agree for the %s', (_kind, target, makeEvent) => {
  const policies = iamPolicies(EXAMPLE_ACCESS_TABLE, target, POOL_ID);
  const cases = EXAMPLE_ACCESS_TABLE.routes.flatMap((route) => ROLES.map((role) => [route, role] as const));

  it('covers every route of the example table', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(
      EXAMPLE_ACCESS_TABLE.routes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    expect(cases).toHaveLength(12);
  });

  it.each(cases.map(([route, role]) => [`${route.method} ${route.path}`, role, route] as const))(
    '%s as %s',
    async (label, role, route) => {
      const expected = EXPECTED[label]!.includes(role);

      const table = isAllowed(EXAMPLE_ACCESS_TABLE, route.method, concrete(route.path), role);

      // IAM checks the ARN of the concrete request (built here by hand, independently of executeApiArn).
      const requestArn = `arn:aws:execute-api:${target.region}:${target.accountId}:${target.apiId}/${target.stage}/${route.method}${concrete(route.path)}`;
      const iam =
        role === 'guest'
          ? evaluatePolicy(policies.unauthenticatedRolePolicy, { action: 'execute-api:Invoke', resource: requestArn })
          : evaluatePolicy(policies.authenticatedRolePolicy, {
              action: 'execute-api:Invoke',
              resource: requestArn,
              principalTags: { role },
            });

      const { users } = await seededStore();
      const guard = createGuard({ table: EXAMPLE_ACCESS_TABLE, users, identityPoolId: POOL_ID });
      const event =
        role === 'guest'
          ? makeEvent(route.method, route.path, GUEST_IDENTITY, false)
          : makeEvent(route.method, route.path, IDENTITIES[role], true);
      const decision = await guard.authorize(event);
      // Also with the concrete path (as a greedy proxy or the local gateway would pass it).
      const byPath = await guard.authorize(event, { method: route.method, path: concrete(route.path) });

      expect({ table, iam, guard: decision.allowed, byPath: byPath.allowed }).toEqual({
        table: expected,
        iam: expected,
        guard: expected,
        byPath: expected,
      });
      if (!decision.allowed) expect(decision.statusCode).toBe(403);
    },
  );

  it('the authenticated policy grants nothing without a role tag or with the guest tag', () => {
    for (const route of EXAMPLE_ACCESS_TABLE.routes) {
      const resource = executeApiArn(target, route.method, route.path).replace(/\*$/, '42');
      expect(evaluatePolicy(policies.authenticatedRolePolicy, { action: 'execute-api:Invoke', resource })).toBe(false);
      expect(
        evaluatePolicy(policies.authenticatedRolePolicy, {
          action: 'execute-api:Invoke',
          resource,
          principalTags: { role: 'guest' },
        }),
      ).toBe(false);
    }
  });
});
