import { evaluatePolicy, type PolicyDocument } from '@devauth/access';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  ADMIN_AUTH_ROUTES,
  AUTH_ROUTE_PATHS,
  AUTH_ROUTES,
  type AuthRoute,
  DevauthConstructError,
} from '../src/index.js';
import {
  ACCOUNT,
  API_ID,
  appFunction,
  concreteIds,
  evaluate,
  REGION,
  resourceNamed,
  shopRoutes,
  shopStack,
} from './support.js';

const pascal = (route: string) => route[0]!.toUpperCase() + route.slice(1);
const STORE_WRITES = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

/**
 * A function's grants as `action on resource` lines, the resources named: `logs` (its own log group), `table`,
 * `GSI1` (the identity index), `GSI2` (the listing index), `pool` (this identity pool's ARN), `*`, `ses`.
 */
function grantsOf(template: Template, route: AuthRoute): string[] {
  const tableId = resourceNamed(template, 'AWS::DynamoDB::Table', 'UserTable').id;
  const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
  const poolId = resourceNamed(template, 'AWS::Cognito::IdentityPool', 'IdentityPool').id;
  const logGroup = resourceNamed(template, 'AWS::Logs::LogGroup', `AuthFunctions${pascal(route)}Logs`).id;
  const names = new Map<string, string>([
    [JSON.stringify({ 'Fn::GetAtt': [logGroup, 'Arn'] }), 'logs'],
    [JSON.stringify(tableArn), 'table'],
    [JSON.stringify({ 'Fn::Join': ['', [tableArn, '/index/GSI1']] }), 'GSI1'],
    [JSON.stringify({ 'Fn::Join': ['', [tableArn, '/index/GSI2']] }), 'GSI2'],
    [JSON.stringify('*'), '*'],
  ]);
  const nameOf = (resource: unknown): string => {
    const json = JSON.stringify(resource);
    if (names.has(json)) return names.get(json)!;
    if (json.includes(':cognito-identity:') && json.includes(poolId)) return 'pool';
    if (json.includes(':ses:')) return 'ses';
    throw new Error(`unexpected resource ${json}`);
  };
  const policy = resourceNamed(template, 'AWS::IAM::Policy', `AuthFunctions${pascal(route)}Role`).resource;
  const statements = policy.Properties.PolicyDocument.Statement as Array<{
    Effect: string;
    Action: string | string[];
    Resource: unknown;
  }>;
  return statements
    .flatMap((statement) => {
      expect(statement.Effect).toBe('Allow');
      const resources = [statement.Resource].flat().map(nameOf);
      return [statement.Action].flat().flatMap((action) => resources.map((resource) => `${action} on ${resource}`));
    })
    .filter((grant) => !grant.endsWith(' on logs'))
    .sort();
}

const on = (resource: string, ...actions: string[]) => actions.map((action) => `${action} on ${resource}`);
const LOOKUP = [...on('table', 'dynamodb:GetItem'), ...on('GSI1', 'dynamodb:Query')];
const LISTING = [...LOOKUP, ...on('GSI2', 'dynamodb:Query')];
const READ_WRITE = [...on('table', ...STORE_WRITES), ...on('GSI1', 'dynamodb:Query')];
const UNLINK = on('pool', 'cognito-identity:UnlinkDeveloperIdentity');

/** What each admin function may do, exactly (besides writing its own logs), from its use case in the core. */
const ADMIN_GRANTS: Readonly<Record<string, string[]>> = {
  adminListUsers: LISTING,
  adminGetUser: LOOKUP,
  adminSetRole: [...READ_WRITE, ...UNLINK],
  adminSetStatus: [...READ_WRITE, ...UNLINK],
  adminDeleteUser: [...READ_WRITE, ...UNLINK, ...on('*', 'cognito-identity:DeleteIdentities')],
  adminRevokeSessions: [...READ_WRITE, ...UNLINK],
  adminCreateInvitation: READ_WRITE,
  adminListInvitations: LISTING,
  adminRevokeInvitation: READ_WRITE,
};

describe.each(['http', 'rest'] as const)('the admin routes on a %s API', (kind) => {
  const { template, devauth } = shopStack(kind);

  it('are the nine admin routes of the handlers, each its own function behind AWS_IAM', () => {
    expect(ADMIN_AUTH_ROUTES).toEqual(Object.keys(ADMIN_GRANTS));
    expect(devauth.authFunctions.routes).toEqual(AUTH_ROUTES);
    const keys = ADMIN_AUTH_ROUTES.map((route) => `${AUTH_ROUTE_PATHS[route].method} ${AUTH_ROUTE_PATHS[route].path}`);
    expect(keys.every((key) => / \/admin\//.test(key))).toBe(true);
    if (kind === 'http') {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      for (const key of keys) {
        const route = routes.find((candidate) => candidate.Properties.RouteKey === key);
        expect({ key, authorization: route?.Properties.AuthorizationType }).toEqual({ key, authorization: 'AWS_IAM' });
      }
    } else {
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
        (method) => method.Properties.HttpMethod !== 'OPTIONS',
      );
      for (const route of ADMIN_AUTH_ROUTES) {
        const fnId = resourceNamed(template, 'AWS::Lambda::Function', `AuthFunctions${pascal(route)}`).id;
        const method = methods.find((candidate) => JSON.stringify(candidate.Properties.Integration).includes(fnId));
        expect({
          route,
          method: method?.Properties.HttpMethod,
          authorization: method?.Properties.AuthorizationType,
        }).toEqual({ route, method: AUTH_ROUTE_PATHS[route].method, authorization: 'AWS_IAM' });
      }
    }
  });

  it('grant each function exactly what its use case touches', () => {
    for (const route of ADMIN_AUTH_ROUTES) {
      expect({ route, grants: grantsOf(template, route) }).toEqual({ route, grants: [...ADMIN_GRANTS[route]!].sort() });
    }
  });

  it('let only the two listings query the listing index, and the listings neither write nor call Cognito', () => {
    const listing = AUTH_ROUTES.filter((route) => grantsOf(template, route).includes('dynamodb:Query on GSI2'));
    expect(listing).toEqual(['adminListUsers', 'adminListInvitations']);
    for (const route of [...listing, 'adminGetUser' as const]) {
      const grants = grantsOf(template, route);
      expect(grants.filter((grant) => !/^dynamodb:(GetItem|Query) /.test(grant))).toEqual([]);
    }
  });

  it('give the admin role, and only it, execute-api:Invoke on them', () => {
    const refs = concreteIds(template, kind);
    const policyOf = (part: string) =>
      evaluate(
        resourceNamed(template, 'AWS::IAM::Role', part).resource.Properties.Policies[0].PolicyDocument,
        refs,
      ) as PolicyDocument;
    const authenticated = policyOf('AuthenticatedRole');
    const unauthenticated = policyOf('UnauthenticatedRole');
    const stage = devauth.api.stageName;
    for (const route of ADMIN_AUTH_ROUTES) {
      const { method, path } = AUTH_ROUTE_PATHS[route];
      const resource = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/${method}${path.replace(/\{[^}]+\}/g, 'u1')}`;
      const invoke = (policy: PolicyDocument, role?: string) =>
        evaluatePolicy(policy, {
          action: 'execute-api:Invoke',
          resource,
          ...(role ? { principalTags: { role } } : {}),
        });
      expect({
        route,
        admin: invoke(authenticated, 'admin'),
        shopper: invoke(authenticated, 'shopper'),
        seller: invoke(authenticated, 'seller'),
        guest: invoke(unauthenticated),
      }).toEqual({ route, admin: true, shopper: false, seller: false, guest: false });
    }
    // The admin role keeps its own account: GET /me and the account routes.
    const me = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${stage}/GET/me`;
    expect(
      evaluatePolicy(authenticated, { action: 'execute-api:Invoke', resource: me, principalTags: { role: 'admin' } }),
    ).toBe(true);
  });

  it('report their one nested-path gap without a synth warning (API Gateway routes no function there)', () => {
    expect(devauth.accessRoles.nestedPathGaps.map((gap) => [gap.role, gap.route, gap.deeperRoutes])).toEqual([
      ['admin', 'DELETE /admin/users/{userId}', ['DELETE /admin/users/{userId}/sessions']],
    ]);
    expect(warningsOf(devauth)).toEqual([]);
  });
});

function warningsOf(construct: {
  node: { findAll(): Array<{ node: { metadata: Array<{ type: string; data: unknown }> } }> };
}) {
  return construct.node
    .findAll()
    .flatMap((child) => child.node.metadata)
    .filter((entry) => entry.type === 'aws:cdk:warning')
    .map((entry) => String(entry.data));
}

describe('the admin routes and the configured roles', () => {
  it('are not deployed when admin is not a role: no function, no route, no IAM statement', () => {
    const { template, devauth } = shopStack('http', { roles: ['shopper', 'seller'] });
    expect(devauth.authFunctions.routes).toEqual(AUTH_ROUTES.filter((route) => !ADMIN_AUTH_ROUTES.includes(route)));
    for (const route of ADMIN_AUTH_ROUTES) expect(devauth.authFunctions.functions[route]).toBeUndefined();
    expect(() => devauth.authFunctions.functionFor('adminListUsers')).toThrow(/"admin" is not a role/);
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey as string,
    );
    expect(routeKeys.filter((key) => key.includes('/admin'))).toEqual([]);
    expect(devauth.accessTable.routes.filter((route) => route.path.startsWith('/admin'))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('/admin');
    expect(devauth.accessRoles.nestedPathGaps).toEqual([]);
  });

  it('list admin alone, whatever other roles exist, and serve the account routes to admins too', () => {
    // No app routes: four roles' copies of the account routes are most of what the authenticated policy can hold.
    const { devauth } = shopStack('http', { roles: ['shopper', 'seller', 'admin', 'support'], routes: [] });
    const rolesOf = (path: string, method = 'GET') =>
      devauth.accessTable.routes.find((route) => route.path === path && route.method === method)?.roles;
    for (const route of ADMIN_AUTH_ROUTES) {
      expect(rolesOf(AUTH_ROUTE_PATHS[route].path, AUTH_ROUTE_PATHS[route].method)).toEqual(['admin']);
    }
    expect(rolesOf('/me/sessions')).toEqual(['shopper', 'seller', 'admin', 'support']);
  });

  it('still warn about a nested-path gap of an app route', () => {
    const { devauth } = shopStack('http', (stack) => {
      const reviews = appFunction(stack, 'Reviews');
      return {
        routes: [
          ...shopRoutes(stack),
          { method: 'DELETE', path: '/products/{id}/reviews', roles: ['seller'], handler: reviews },
        ],
      };
    });
    const warnings = warningsOf(devauth).filter((warning) => warning.includes('nested paths'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('DELETE /products/{id}');
    expect(() =>
      shopStack('http', (stack) => ({
        routes: [{ method: 'GET', path: '/admin', roles: ['admin'], handler: appFunction(stack, 'Fn') }],
      })),
    ).toThrow(DevauthConstructError);
  });
});
