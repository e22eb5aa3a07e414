/**
 * The generated policies under two IAM evaluators: ours (`evaluatePolicy`, also what the local gateway enforces) and
 * @cloud-copilot/iam-simulate (independent). For every route, role and kind of path (the exact route with concrete
 * ids, paths nested below it, sibling paths next to it), IAM must allow exactly what the table allows, plus the
 * reported nested-path gaps and nothing else, and both evaluators must give the same answer.
 */
import {
  type AccessTable,
  type ApiTarget,
  defineAccessTable,
  EXAMPLE_ACCESS_TABLE,
  evaluatePolicy,
  executeApiArn,
  iamPolicies,
  isAllowed,
  type NestedPathGap,
  type RouteAccess,
} from '@devauth/lambda-handlers/access';
import { HANDLER_ROUTES, ROUTE_NAMES } from '@devauth/lambda-handlers/env';
import { describe, expect, it } from 'vitest';
import { simulateInvoke } from './support/iam-simulate.js';

const POOL_ID = 'eu-west-1:11111111-2222-3333-4444-555555555555';
const ROLES = ['guest', 'shopper', 'seller', 'admin'] as const;
const TARGETS: ReadonlyArray<[string, ApiTarget]> = [
  ['REST API', { region: 'eu-west-1', accountId: '123456789012', apiId: 'a1b2c3d4e5', stage: 'prod', kind: 'rest' }],
  [
    'HTTP API',
    { region: 'eu-west-1', accountId: '123456789012', apiId: 'b2c3d4e5f6', stage: '$default', kind: 'http' },
  ],
];

/**
 * Deeper routes of every kind: below a route of another method (no gap), below a route of the same method and role
 * (GET for the shopper, DELETE for the admin: IAM cannot tell `/products/a/b` from `/products/{id}/reviews` there,
 * so those are the reported gaps), and for a role without the shallower route (guest reviews).
 */
const DEEP_TABLE = defineAccessTable(
  [
    { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller', 'admin'] },
    { method: 'POST', path: '/products', roles: ['seller', 'admin'] },
    { method: 'GET', path: '/orders', roles: ['shopper', 'seller'] },
    { method: 'GET', path: '/products/{id}', roles: ['shopper'] },
    { method: 'DELETE', path: '/products/{id}', roles: ['seller', 'admin'] },
    { method: 'GET', path: '/products/{id}/reviews', roles: ['guest', 'shopper', 'seller'] },
    { method: 'DELETE', path: '/products/{id}/reviews/{reviewId}', roles: ['admin'] },
    { method: 'POST', path: '/shops/{shop}/products', roles: ['seller'] },
  ],
  { roles: ['shopper', 'seller', 'admin'] },
);

/**
 * devauth's own AWS_IAM routes as a deployment lists them (HANDLER_ROUTES: `GET /me` for every role, the account
 * routes for the stored roles, the admin routes for admin alone), with the example shop's routes.
 */
const OWN_ROLES = {
  me: ['guest', 'shopper', 'seller', 'admin'],
  account: ['shopper', 'seller', 'admin'],
  admin: ['admin'],
};
const DEPLOYMENT_TABLE = defineAccessTable([
  ...ROUTE_NAMES.flatMap((name) => {
    const { method, path, access } = HANDLER_ROUTES[name];
    return access === 'public' ? [] : [{ method, path, roles: OWN_ROLES[access] }];
  }),
  ...EXAMPLE_ACCESS_TABLE.routes,
]);

/** The admin routes' one gap: `DELETE /admin/users/{userId}` cannot be denied below without its `/sessions`. */
const DEPLOYMENT_GAPS = (prefix: string): NestedPathGap[] => [
  {
    role: 'admin',
    route: 'DELETE /admin/users/{userId}',
    deeperRoutes: ['DELETE /admin/users/{userId}/sessions'],
    deniedFrom: `${prefix}DELETE/admin/users/*/*/*`,
  },
];

const DEEP_GAPS = (prefix: string): NestedPathGap[] => [
  {
    role: 'shopper',
    route: 'GET /products/{id}',
    deeperRoutes: ['GET /products/{id}/reviews'],
    deniedFrom: `${prefix}GET/products/*/*/*`,
  },
  {
    role: 'admin',
    route: 'DELETE /products/{id}',
    deeperRoutes: ['DELETE /products/{id}/reviews/{reviewId}'],
    deniedFrom: `${prefix}DELETE/products/*/*/*/*`,
  },
];

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'teapot');

/** The paths tried for a route: the route itself, two nested below it, two siblings of its first segment. */
function pathsFor(route: RouteAccess): Array<{ kind: 'exact' | 'nested' | 'sibling'; path: string }> {
  const exact = concrete(route.path);
  const spanning = route.path.includes('{') ? concrete(route.path.replace(/\{[^}]+\}/, 'a/b')) : `${exact}/a/b`;
  const [, first = '', ...rest] = exact.split('/');
  const sibling = (suffix: string) => ['', `${first}${suffix}`, ...rest].join('/');
  return [
    { kind: 'exact', path: exact },
    { kind: 'nested', path: spanning },
    { kind: 'nested', path: `${exact}/extra` },
    { kind: 'sibling', path: sibling('x') },
    { kind: 'sibling', path: sibling('-admin') },
  ];
}

/** IAM wildcards as a regular expression, written here independently of both evaluators. */
const iamPattern = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );

/** Whether a request falls in a reported gap: matched by the gap route's ARN, but not as deep as `deniedFrom`. */
function inGap(gaps: readonly NestedPathGap[], target: ApiTarget, role: string, resource: string): boolean {
  return gaps.some((gap) => {
    if (gap.role !== role) return false;
    const [method, path] = gap.route.split(' ') as [RouteAccess['method'], string];
    return iamPattern(executeApiArn(target, method, path)).test(resource) && !iamPattern(gap.deniedFrom).test(resource);
  });
}

describe.each(TARGETS)('generated %s policies under two IAM evaluators', (_kind, target) => {
  const prefix = `arn:aws:execute-api:${target.region}:${target.accountId}:${target.apiId}/${target.stage}/`;
  describe.each<[string, AccessTable, NestedPathGap[]]>([
    ['the example table', EXAMPLE_ACCESS_TABLE, []],
    ['a table with deeper routes', DEEP_TABLE, DEEP_GAPS(prefix)],
    ['a deployment’s table (devauth’s own routes, admin routes included)', DEPLOYMENT_TABLE, DEPLOYMENT_GAPS(prefix)],
  ])('%s', (_name, table, expectedGaps) => {
    const policies = iamPolicies(table, target, POOL_ID);

    it('reports exactly the nested-path gaps IAM cannot close', () => {
      expect(policies.nestedPathGaps).toEqual(expectedGaps);
    });

    const cases = table.routes.flatMap((route) =>
      ROLES.map((role) => [`${route.method} ${route.path}`, role] as const),
    );
    if (table === DEPLOYMENT_TABLE) {
      it('lists the nine admin routes for admin alone', () => {
        const admin = table.routes.filter((route) => route.path.startsWith('/admin'));
        expect(admin).toHaveLength(9);
        for (const route of admin) expect(route.roles).toEqual(['admin']);
      });
    }

    it.each(cases)('%s as %s', async (label, role) => {
      const route = table.routes.find((r) => `${r.method} ${r.path}` === label)!;
      for (const { kind, path } of pathsFor(route)) {
        // The request's own ARN, built by hand (not with executeApiArn) from the concrete path.
        const resource = `${prefix}${route.method}${path}`;
        const tags: Record<string, string> = role === 'guest' ? {} : { role };
        const policy = role === 'guest' ? policies.unauthenticatedRolePolicy : policies.authenticatedRolePolicy;
        const ours = evaluatePolicy(policy, { action: 'execute-api:Invoke', resource, principalTags: tags });
        const simulated = (await simulateInvoke(policy, resource, tags)) === 'Allowed';

        // Exact: allowed iff the table lists the role. Nested and sibling: denied unless the table itself routes
        // that path to a route of the role (a deeper route) or it lies in a reported gap.
        const expected =
          kind === 'exact'
            ? route.roles.includes(role)
            : isAllowed(table, route.method, path, role) || inGap(policies.nestedPathGaps, target, role, resource);
        if (kind === 'exact') expect(isAllowed(table, route.method, path, role)).toBe(expected);
        expect({ kind, path, ours, simulated }).toEqual({ kind, path, ours: expected, simulated: expected });
      }
    });
  });
});
