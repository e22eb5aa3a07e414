import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DevauthConstructError, DevauthHttpApi, DevauthRestApi } from '../src/index.js';
import { appFunction, newStack, resourceNamed, shopStack } from './support.js';

const AUTH_ROUTES = [
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/guest',
  'POST /auth/refresh',
  'POST /auth/logout',
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'POST /auth/email/verify',
];
/** The admin routes: AWS_IAM, and (see policies.test.ts) only the admin role's policy names them. */
const ADMIN_ROUTES = [
  'GET /admin/users',
  'GET /admin/users/{userId}',
  'PUT /admin/users/{userId}/role',
  'PUT /admin/users/{userId}/status',
  'DELETE /admin/users/{userId}',
  'DELETE /admin/users/{userId}/sessions',
  'POST /admin/invitations',
  'GET /admin/invitations',
  'DELETE /admin/invitations/{invitationId}',
];
const IAM_ROUTES = [
  'GET /me',
  'POST /me/password',
  'DELETE /me',
  'GET /me/sessions',
  'DELETE /me/sessions/{familyId}',
  'POST /me/sessions/revoke-others',
  'DELETE /me/sessions',
  'POST /me/email',
  'POST /me/email/verification',
  ...ADMIN_ROUTES,
  'GET /products',
  'POST /products',
  'DELETE /products/{id}',
  'GET /orders',
];

/** Every statement of every IAM policy in the template (inline role policies and AWS::IAM::Policy). */
function statements(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  const fromRoles = Object.values(template.findResources('AWS::IAM::Role')).flatMap((role) =>
    (role.Properties.Policies ?? []).flatMap(
      (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
    ),
  );
  const fromPolicies = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement,
  );
  return [...fromRoles, ...fromPolicies];
}

function checkCommon(kind: 'http' | 'rest', template: Template, apiId: string) {
  it('lets API Gateway invoke each function only from this API', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(AUTH_ROUTES.length + IAM_ROUTES.length);
    for (const permission of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(permission.Properties.Action).toBe('lambda:InvokeFunction');
      const sourceArn = JSON.stringify(permission.Properties.SourceArn);
      expect(sourceArn).toContain(':execute-api:eu-west-1:123456789012:');
      expect(sourceArn).toContain(`{"Ref":"${apiId}"}`);
      if (kind === 'rest') expect(sourceArn).toMatch(/DeploymentStageprod/);
    }
  });

  it('names no resource "*" except GetId (guest) and DeleteIdentities (the two account deletions): neither has a resource type', () => {
    const wildcards = statements(template).filter((statement) => JSON.stringify(statement.Resource).includes('"*"'));
    expect(wildcards).toEqual([
      { Action: 'cognito-identity:GetId', Effect: 'Allow', Resource: '*' },
      { Action: 'cognito-identity:DeleteIdentities', Effect: 'Allow', Resource: '*' },
      { Action: 'cognito-identity:DeleteIdentities', Effect: 'Allow', Resource: '*' },
    ]);
    for (const route of ['DeleteAccount', 'AdminDeleteUser']) {
      const deletePolicy = resourceNamed(template, 'AWS::IAM::Policy', `AuthFunctions${route}Role`);
      expect(JSON.stringify(deletePolicy.resource.Properties.PolicyDocument)).toContain('DeleteIdentities');
    }
    const guestPolicy = resourceNamed(template, 'AWS::IAM::Policy', 'AuthFunctionsGuestRole');
    expect(JSON.stringify(guestPolicy.resource.Properties.PolicyDocument)).toContain('cognito-identity:GetId');
  });

  it('outputs the API URL, the identity pool id and the region, and for the operator CLI the provider and table', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const byName = (name: string) => Object.entries(outputs).find(([id]) => id.startsWith(`Devauth${name}`))?.[1];
    expect(Object.keys(outputs)).toHaveLength(5);
    expect(JSON.stringify(byName('ApiUrl')?.Value)).toContain(`{"Ref":"${apiId}"}`);
    expect(byName('IdentityPoolId')?.Value).toEqual({
      Ref: resourceNamed(template, 'AWS::Cognito::IdentityPool', 'IdentityPool').id,
    });
    expect(byName('Region')?.Value).toBe('eu-west-1');
    // DEVAUTH_DEVELOPER_PROVIDER_NAME and DEVAUTH_TABLE_NAME of `devauth` (the CLI), as the functions have them.
    expect(byName('DeveloperProviderName')?.Value).toBe('login.shop.test');
    expect(byName('TableName')?.Value).toEqual({
      Ref: resourceNamed(template, 'AWS::DynamoDB::Table', 'UserTable').id,
    });
  });
}

describe('DevauthHttpApi (default)', () => {
  const { template, devauth } = shopStack('http');
  const api = resourceNamed(template, 'AWS::ApiGatewayV2::Api', 'DevauthApi');
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
  const authorizationOf = (key: string) =>
    routes.find((route) => route.Properties.RouteKey === key)?.Properties.AuthorizationType;

  it('is an HTTP API with payload v2 integrations', () => {
    expect(devauth.api.kind).toBe('http');
    expect(api.resource.Properties.ProtocolType).toBe('HTTP');
    for (const integration of Object.values(template.findResources('AWS::ApiGatewayV2::Integration'))) {
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
  });

  it('leaves the auth routes open and puts GET /me, the account and admin routes and every app route behind AWS_IAM', () => {
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([...AUTH_ROUTES, ...IAM_ROUTES].sort());
    for (const key of AUTH_ROUTES) expect(authorizationOf(key)).toBe('NONE');
    for (const key of IAM_ROUTES) expect(authorizationOf(key)).toBe('AWS_IAM');
    expect(routes.some((route) => String(route.Properties.RouteKey).startsWith('OPTIONS'))).toBe(false);
  });

  it('answers preflight itself (CORS configuration, no OPTIONS route behind IAM)', () => {
    expect(api.resource.Properties.CorsConfiguration).toEqual({
      AllowCredentials: false,
      AllowHeaders: ['content-type', 'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'],
      AllowMethods: ['POST', 'GET', 'DELETE', 'PUT', 'OPTIONS'],
      AllowOrigins: ['https://shop.example.com'],
      ExposeHeaders: ['x-correlation-id', 'retry-after'],
      MaxAge: 3600,
    });
  });

  it('throttles the $default stage, and the auth routes harder', () => {
    const stage = resourceNamed(template, 'AWS::ApiGatewayV2::Stage', 'DefaultStage');
    expect(stage.resource.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
    expect(Object.keys(stage.resource.Properties.RouteSettings).sort()).toEqual([...AUTH_ROUTES].sort());
    expect(stage.resource.Properties.RouteSettings['POST /auth/login']).toEqual({
      ThrottlingBurstLimit: 40,
      ThrottlingRateLimit: 20,
    });
    // The stage names routes by key, so it waits for them.
    expect(stage.resource.DependsOn.length).toBeGreaterThanOrEqual(AUTH_ROUTES.length + IAM_ROUTES.length);
  });

  checkCommon('http', template, api.id);
});

describe('DevauthRestApi (kind: rest)', () => {
  const { template, devauth } = shopStack('rest');
  const api = resourceNamed(template, 'AWS::ApiGateway::RestApi', 'DevauthApi');
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
  const resources = template.findResources('AWS::ApiGateway::Resource');
  /** `/auth/login` of a method, from its resource chain. */
  const pathOf = (resourceId: unknown): string => {
    if (typeof resourceId === 'object' && resourceId !== null && 'Fn::GetAtt' in resourceId) return '';
    const id = (resourceId as { Ref: string }).Ref;
    const resource = resources[id]!;
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  const keyOf = (method: (typeof methods)[number]) =>
    `${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId) || '/'}`;

  it('is a regional REST API with proxy (payload v1) integrations and stage prod', () => {
    expect(devauth.api.kind).toBe('rest');
    expect(devauth.api.stageName).toBe('prod');
    expect(api.resource.Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    for (const method of methods.filter((m) => m.Properties.HttpMethod !== 'OPTIONS')) {
      expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
    }
  });

  it('leaves the auth routes open and puts GET /me, the account and admin routes and every app route behind AWS_IAM', () => {
    const byKey = Object.fromEntries(
      methods
        .filter((m) => m.Properties.HttpMethod !== 'OPTIONS')
        .map((m) => [keyOf(m), m.Properties.AuthorizationType]),
    );
    expect(Object.keys(byKey).sort()).toEqual([...AUTH_ROUTES, ...IAM_ROUTES].sort());
    for (const key of AUTH_ROUTES) expect(byKey[key]).toBe('NONE');
    for (const key of IAM_ROUTES) expect(byKey[key]).toBe('AWS_IAM');
  });

  it('answers preflight on every resource without credentials, and adds CORS headers to gateway errors', () => {
    const options = methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS');
    expect(options.length).toBe(Object.keys(resources).length + 1); // every resource and the root
    for (const method of options) {
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(method.Properties.Integration.Type).toBe('MOCK');
      expect(method.Properties.Integration.IntegrationResponses[0].ResponseParameters).toMatchObject({
        'method.response.header.Access-Control-Allow-Origin': "'https://shop.example.com'",
        'method.response.header.Access-Control-Allow-Methods': "'POST,GET,DELETE,PUT,OPTIONS'",
      });
    }
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'https://shop.example.com'" },
      });
    }
  });

  it('throttles the stage, and the auth routes harder', () => {
    const stage = resourceNamed(template, 'AWS::ApiGateway::Stage', 'DeploymentStageprod');
    const settings = stage.resource.Properties.MethodSettings as Array<Record<string, unknown>>;
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingBurstLimit: 200,
        ThrottlingRateLimit: 100,
      }),
    );
    for (const route of ['register', 'login', 'guest', 'refresh', 'logout']) {
      expect(settings).toContainEqual(
        expect.objectContaining({
          HttpMethod: 'POST',
          ResourcePath: `/~1auth~1${route}`,
          ThrottlingBurstLimit: 40,
          ThrottlingRateLimit: 20,
        }),
      );
    }
  });

  checkCommon('rest', template, api.id);
});

describe('API props', () => {
  it('require the me function, and refuse OPTIONS app routes (preflight is answered without credentials)', () => {
    const stack = newStack();
    const fn = appFunction(stack, 'Fn');
    expect(() => new DevauthHttpApi(stack, 'A', { authFunctions: {} })).toThrow(/authFunctions.me is required/);
    expect(
      () =>
        new DevauthRestApi(stack, 'B', {
          authFunctions: { me: fn },
          routes: [{ method: 'OPTIONS', path: '/x', roles: ['seller'], handler: fn }],
        }),
    ).toThrow(DevauthConstructError);
  });

  it('take no CORS configuration when none is given', () => {
    const { template } = shopStack('http', { api: { kind: 'http' } });
    expect(
      resourceNamed(template, 'AWS::ApiGatewayV2::Api', 'DevauthApi').resource.Properties.CorsConfiguration,
    ).toBeUndefined();
    const rest = shopStack('rest', { api: { kind: 'rest', stageName: 'v1' } });
    rest.template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
    expect(
      Object.values(rest.template.findResources('AWS::ApiGateway::Method')).some(
        (m) => m.Properties.HttpMethod === 'OPTIONS',
      ),
    ).toBe(false);
    expect(rest.devauth.api.stageName).toBe('v1');
  });

  it.each(['/auth/users', '/me', '/me/orders', '/admin', '/admin/users', '/admin/reports/{id}'])(
    'refuse an app route on devauth’s own paths: %s',
    (path) => {
      expect(() =>
        shopStack('http', (stack) => ({
          routes: [{ method: 'GET', path, roles: ['seller'], handler: appFunction(stack, 'Fn') }],
        })),
      ).toThrow(/devauth's own routes use \(\/auth, \/auth\/\*, \/me, \/me\/\*, \/admin, \/admin\/\*\)/);
    },
  );

  it('refuse /admin app routes also where the admin routes are not deployed, and allow look-alike paths', () => {
    const on = (path: string) => () =>
      shopStack('http', (stack) => ({
        roles: ['shopper', 'seller'],
        routes: [{ method: 'GET', path, roles: ['seller'], handler: appFunction(stack, 'Fn') }],
      }));
    expect(on('/admin/stats')).toThrow(DevauthConstructError);
    expect(on('/administration')).not.toThrow();
    expect(on('/authors')).not.toThrow();
  });
});
