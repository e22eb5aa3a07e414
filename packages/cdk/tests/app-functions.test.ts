import { accessTableFromEnv, createGuard } from '@devauth/lambda-handlers/access';
import { ACCESS_TABLE_ENV } from '@devauth/lambda-handlers/env';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { AUTH_ROUTES, Devauth } from '../src/index.js';
import { appFunction, handlersFixture, newStack, resourceNamed, shopStack } from './support.js';

const POOL_ID = 'eu-west-1:11111111-2222-3333-4444-555555555555';

/** An HTTP API (payload v2) event for an AWS_IAM route, as API Gateway sends it for a Cognito identity. */
const v2Event = (routeKey: string, amr: string[]) => ({
  version: '2.0',
  routeKey,
  requestContext: {
    http: { method: routeKey.split(' ')[0] },
    authorizer: {
      iam: {
        cognitoIdentity: { identityId: 'eu-west-1:aaaaaaaa-0000-4000-8000-000000000001', identityPoolId: POOL_ID, amr },
      },
    },
  },
});

describe('app functions', () => {
  const { template, devauth } = shopStack('http');
  const products = resourceNamed(template, 'AWS::Lambda::Function', 'Products').resource.Properties.Environment
    .Variables;
  const orders = resourceNamed(template, 'AWS::Lambda::Function', 'Orders').resource.Properties.Environment.Variables;

  it('get the routes that reach them, the pool id and the store, in the environment', () => {
    expect(products).toMatchObject({
      DEVAUTH_STORE: 'dynamodb',
      DEVAUTH_TABLE_NAME: { Ref: resourceNamed(template, 'AWS::DynamoDB::Table', 'UserTable').id },
      DEVAUTH_IDENTITY_POOL_ID: { Ref: resourceNamed(template, 'AWS::Cognito::IdentityPool', 'IdentityPool').id },
    });
    expect(JSON.parse(products[ACCESS_TABLE_ENV])).toEqual({
      version: 1,
      roles: ['shopper', 'seller', 'admin'],
      routes: [
        { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'] },
        { method: 'POST', path: '/products', roles: ['seller'] },
        { method: 'DELETE', path: '/products/{id}', roles: ['seller'] },
      ],
    });
    expect(JSON.parse(orders[ACCESS_TABLE_ENV]).routes).toEqual([
      { method: 'GET', path: '/orders', roles: ['shopper', 'seller'] },
    ]);
    // The deployment's whole table: the same rows, plus GET /me, the signed-in account routes and the admin routes.
    expect(devauth.accessTable.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'GET /me',
      'POST /me/password',
      'DELETE /me',
      'GET /me/sessions',
      'DELETE /me/sessions/{familyId}',
      'POST /me/sessions/revoke-others',
      'DELETE /me/sessions',
      'POST /me/email',
      'POST /me/email/verification',
      'GET /admin/users',
      'GET /admin/users/{userId}',
      'PUT /admin/users/{userId}/role',
      'PUT /admin/users/{userId}/status',
      'DELETE /admin/users/{userId}',
      'DELETE /admin/users/{userId}/sessions',
      'POST /admin/invitations',
      'GET /admin/invitations',
      'DELETE /admin/invitations/{invitationId}',
      'GET /products',
      'POST /products',
      'DELETE /products/{id}',
      'GET /orders',
    ]);
  });

  it('may look users up, read-only', () => {
    const policy = resourceNamed(template, 'AWS::IAM::Policy', 'ProductsServiceRole').resource.Properties
      .PolicyDocument;
    expect(policy.Statement.map((statement: { Action: string }) => statement.Action)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
  });

  it('hand their guard the declared table (what the deployed function reads back)', async () => {
    const table = accessTableFromEnv({ [ACCESS_TABLE_ENV]: products[ACCESS_TABLE_ENV] });
    const guard = createGuard({ table, users: { findByIdentityId: async () => null }, identityPoolId: POOL_ID });
    expect((await guard.authorize(v2Event('GET /products', ['unauthenticated']))).allowed).toBe(true);
    expect(await guard.authorize(v2Event('DELETE /products/{id}', ['unauthenticated']))).toMatchObject({
      allowed: false,
      statusCode: 403,
    });
    // GET /orders is another function's: this one's guard refuses it.
    expect(await guard.authorize(v2Event('GET /orders', ['unauthenticated']))).toMatchObject({ allowed: false });
  });

  it('imported functions get the permissions and a warning instead of an environment', () => {
    const stack = newStack();
    const imported = lambda.Function.fromFunctionArn(
      stack,
      'Imported',
      'arn:aws:lambda:eu-west-1:123456789012:function:app',
    );
    new Devauth(stack, 'Devauth', {
      developerProviderName: 'login.test',
      functions: { handlersAssetDir: handlersFixture() },
      routes: [{ method: 'GET', path: '/things', roles: ['shopper'], handler: imported }],
    });
    const warnings = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === 'aws:cdk:warning')
      .map((entry) => String(entry.data));
    expect(warnings.some((warning) => warning.includes(ACCESS_TABLE_ENV))).toBe(true);
    // One permission per auth route, and the app route's.
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Permission', AUTH_ROUTES.length + 1);
  });

  it('refuse a table too large for the Lambda environment', () => {
    expect(() =>
      shopStack('http', (stack) => {
        const fn = appFunction(stack, 'Big');
        return {
          routes: Array.from({ length: 60 }, (_, i) => ({
            method: 'GET' as const,
            path: `/reports/report-number-${i}`,
            roles: ['seller'],
            handler: fn,
          })),
        };
      }),
    ).toThrow(/4 KB environment/);
  });
});
