import { type Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { DevauthConstructError, DevauthIdentityPool } from '../src/index.js';
import { logicalIds, newStack, resourceNamed, shopRoutes, shopStack } from './support.js';

describe('DevauthIdentityPool', () => {
  it('is developer-authenticated only, classic flow off, guests as configured', () => {
    const { template } = shopStack('http');
    template.resourceCountIs('AWS::Cognito::IdentityPool', 1);
    template.hasResourceProperties('AWS::Cognito::IdentityPool', {
      AllowClassicFlow: false,
      AllowUnauthenticatedIdentities: true,
      DeveloperProviderName: 'login.shop.test',
    });
    const pool = Object.values(template.findResources('AWS::Cognito::IdentityPool'))[0]!;
    // No other way in: no user pools, OpenID Connect, SAML or social providers.
    expect(Object.keys(pool.Properties).sort()).toEqual([
      'AllowClassicFlow',
      'AllowUnauthenticatedIdentities',
      'DeveloperProviderName',
    ]);
  });

  it('refuses an invalid or token developer provider name', () => {
    expect(() => new DevauthIdentityPool(newStack(), 'Pool', { developerProviderName: 'no spaces' })).toThrow(
      DevauthConstructError,
    );
    expect(
      () => new DevauthIdentityPool(newStack(), 'Pool', { developerProviderName: Token.asString({ Ref: 'Name' }) }),
    ).toThrow(/literal string/);
  });

  it('grants its actions on this pool only (GetId, which has no resource-level permission, on *)', () => {
    const stack = newStack();
    const pool = new DevauthIdentityPool(stack, 'Pool', { developerProviderName: 'login.test' });
    const role = new iam.Role(stack, 'Admin', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    pool.grantDeveloperTokens(role);
    pool.grantUnlinkDeveloperIdentities(role);
    pool.grantGuestIdentities(role);
    const poolArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':cognito-identity:eu-west-1:123456789012:identitypool/',
          { Ref: logicalIds(Template.fromStack(stack), 'AWS::Cognito::IdentityPool')[0] },
        ],
      ],
    };
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'cognito-identity:GetOpenIdTokenForDeveloperIdentity', Effect: 'Allow', Resource: poolArn },
          { Action: 'cognito-identity:UnlinkDeveloperIdentity', Effect: 'Allow', Resource: poolArn },
          { Action: 'cognito-identity:GetId', Effect: 'Allow', Resource: '*' },
        ],
      },
    });
  });
});

describe('a pool without guests', () => {
  const withoutGuests = (stack: Stack) =>
    shopRoutes(stack).map((route) => ({ ...route, roles: route.roles.filter((role) => role !== 'guest') }));

  it('has no guest route, no guest function and no unauthenticated role', () => {
    const { template, devauth } = shopStack('http', (stack) => ({ allowGuests: false, routes: withoutGuests(stack) }));
    template.hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: false });
    expect(devauth.authFunctions.functions.guest).toBeUndefined();
    expect(() => devauth.authFunctions.functionFor('guest')).toThrow(DevauthConstructError);
    expect(devauth.accessRoles.unauthenticatedRole).toBeUndefined();
    expect(() => resourceNamed(template, 'AWS::IAM::Role', 'UnauthenticatedRole')).toThrow();
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );
    expect(routeKeys).not.toContain('POST /auth/guest');
    const attachment = Object.values(template.findResources('AWS::Cognito::IdentityPoolRoleAttachment'))[0]!;
    expect(Object.keys(attachment.Properties.Roles)).toEqual(['authenticated']);
    // GET /me is open to the stored roles only (the core's DEFAULT_ROLES, admin among them).
    expect(devauth.accessTable.routes.find((route) => route.path === '/me')?.roles).toEqual([
      'shopper',
      'seller',
      'admin',
    ]);
  });

  it('refuses routes that list guest', () => {
    expect(() => shopStack('http', { allowGuests: false })).toThrow(/guests are not allowed/);
  });
});
