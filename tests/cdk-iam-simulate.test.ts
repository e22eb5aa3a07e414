/**
 * The role policies as `@devauth/cdk` synthesizes them (not as @devauth/access returns them) through the independent
 * IAM evaluator (@cloud-copilot/iam-simulate): for both API kinds, every route of the shop example and every role,
 * the exact route and a nested path under it must be decided as the route table says, and the admin routes allowed
 * to the admin role alone. The template's intrinsic
 * functions are evaluated with concrete ids first, so what is simulated is the deployed document.
 */
import { isAllowed } from '@devauth/access';
import { describe, expect, it } from 'vitest';
import { ADMIN_AUTH_ROUTES, AUTH_ROUTE_PATHS } from '../packages/cdk/src/index.js';
import {
  ACCOUNT,
  API_ID,
  concreteIds,
  evaluate,
  REGION,
  resourceNamed,
  shopStack,
} from '../packages/cdk/tests/support.js';
import { simulateInvoke } from './support/iam-simulate.js';

const ROLES = ['guest', 'shopper', 'seller', 'admin'];
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'teapot');

describe.each(['http', 'rest'] as const)('synthesized role policies on a %s API, second opinion', (kind) => {
  const { template, devauth } = shopStack(kind);
  const refs = concreteIds(template, kind);
  const policyOf = (part: string) =>
    evaluate(resourceNamed(template, 'AWS::IAM::Role', part).resource.Properties.Policies[0].PolicyDocument, refs);
  const authenticated = policyOf('AuthenticatedRole') as never;
  const unauthenticated = policyOf('UnauthenticatedRole') as never;
  const stage = devauth.api.stageName;

  it('allows exactly the table: every route x role, exact and nested paths', async () => {
    const cases = devauth.accessTable.routes.flatMap((route) =>
      ROLES.flatMap((role) =>
        [concrete(route.path), `${concrete(route.path)}/a/b`].map((path) => ({ route, role, path })),
      ),
    );
    expect(cases.length).toBeGreaterThan(20);
    for (const { route, role, path } of cases) {
      const resource = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${route.method}/${path.slice(1)}`;
      const decision =
        role === 'guest'
          ? await simulateInvoke(unauthenticated, resource)
          : await simulateInvoke(authenticated, resource, { role });
      const expected = isAllowed(devauth.accessTable, route.method, path, role);
      expect({ route: `${route.method} ${path}`, role, allowed: decision === 'Allowed' }).toEqual({
        route: `${route.method} ${path}`,
        role,
        allowed: expected,
      });
    }
  });

  // Not read from the table (which the case above trusts): the admin routes are the admin role's alone.
  it('allows the admin routes to admin and to no other role', async () => {
    expect(ADMIN_AUTH_ROUTES).toHaveLength(9);
    for (const name of ADMIN_AUTH_ROUTES) {
      const { method, path } = AUTH_ROUTE_PATHS[name];
      const resource = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${method}/${concrete(path).slice(1)}`;
      const decisions: Record<string, boolean> = {};
      for (const role of ROLES) {
        const decision =
          role === 'guest'
            ? await simulateInvoke(unauthenticated, resource)
            : await simulateInvoke(authenticated, resource, { role });
        decisions[role] = decision === 'Allowed';
      }
      expect({ name, decisions }).toEqual({
        name,
        decisions: { guest: false, shopper: false, seller: false, admin: true },
      });
    }
  });
});
