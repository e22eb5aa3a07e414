import { iamPolicies } from '@devauth/access';
import { Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { bindIamPolicies, DevauthConstructError } from '../src/index.js';
import {
  ACCOUNT,
  API_ID,
  concreteIds,
  evaluate,
  newStack,
  POOL_ID,
  REGION,
  resourceNamed,
  shopStack,
} from './support.js';

/** IAM reads `"x"` and `["x"]` alike; CDK writes one-element lists as scalars. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 1 ? normalize(value[0]) : value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalize(item)]));
  }
  return value;
}

describe.each(['http', 'rest'] as const)('identity pool roles on a %s API', (kind) => {
  const { template, devauth } = shopStack(kind);
  const refs = concreteIds(template, kind);
  const pool = resourceNamed(template, 'AWS::Cognito::IdentityPool', 'Devauth');
  const expected = iamPolicies(
    devauth.accessTable,
    { region: REGION, accountId: ACCOUNT, apiId: API_ID, stage: devauth.api.stageName, kind },
    POOL_ID,
  );
  const authenticated = resourceNamed(template, 'AWS::IAM::Role', 'AuthenticatedRole').resource.Properties;
  const unauthenticated = resourceNamed(template, 'AWS::IAM::Role', 'UnauthenticatedRole').resource.Properties;

  it('gives each role exactly the permissions @devauth/access generates for this API and pool', () => {
    expect(authenticated.Policies).toHaveLength(1);
    expect(unauthenticated.Policies).toHaveLength(1);
    expect(normalize(evaluate(authenticated.Policies[0].PolicyDocument, refs))).toEqual(
      normalize(expected.authenticatedRolePolicy),
    );
    expect(normalize(evaluate(unauthenticated.Policies[0].PolicyDocument, refs))).toEqual(
      normalize(expected.unauthenticatedRolePolicy),
    );
    // The shop's DELETE /products/{id} needs a nested-path Deny for sellers: it is there, tag-conditioned.
    expect(JSON.stringify(expected.authenticatedRolePolicy)).toContain('DenyNestedSeller');
    // The admin routes' one gap (see admin-routes.test.ts); the shop's routes leave none.
    expect(devauth.accessRoles.nestedPathGaps.map((gap) => gap.route)).toEqual(['DELETE /admin/users/{userId}']);
  });

  it('trusts only Cognito for this pool: web identity and TagSession for users, web identity for guests', () => {
    expect(normalize(evaluate(authenticated.AssumeRolePolicyDocument, refs))).toEqual(
      normalize(expected.authenticatedTrustPolicy),
    );
    expect(normalize(evaluate(unauthenticated.AssumeRolePolicyDocument, refs))).toEqual(
      normalize(expected.unauthenticatedTrustPolicy),
    );
    const [statement] = authenticated.AssumeRolePolicyDocument.Statement;
    expect(statement.Principal).toEqual({ Federated: 'cognito-identity.amazonaws.com' });
    expect(statement.Action).toEqual(['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']);
    expect(statement.Condition).toEqual({
      StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: pool.id } },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
    });
    expect(unauthenticated.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: pool.id } },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
    });
  });

  it('attaches the two roles to the pool', () => {
    template.hasResourceProperties('AWS::Cognito::IdentityPoolRoleAttachment', {
      IdentityPoolId: { Ref: pool.id },
      Roles: {
        authenticated: { 'Fn::GetAtt': [resourceNamed(template, 'AWS::IAM::Role', 'AuthenticatedRole').id, 'Arn'] },
        unauthenticated: {
          'Fn::GetAtt': [resourceNamed(template, 'AWS::IAM::Role', 'UnauthenticatedRole').id, 'Arn'],
        },
      },
    });
  });
});

describe('bindIamPolicies', () => {
  it('binds to an environment-agnostic stack through pseudo parameters', () => {
    const stack = newStack(false);
    const table = shopStack('http').devauth.accessTable;
    const bound = bindIamPolicies(stack, table, { kind: 'http', apiId: 'abc123', stageName: '$default' }, 'x:1');
    const resolved = stack.resolve(bound.authenticatedRolePolicy.Statement[0]!.Resource);
    expect(JSON.stringify(resolved)).toContain('"Ref":"AWS::Region"');
    expect(JSON.stringify(resolved)).toContain('"Ref":"AWS::AccountId"');
    expect(evaluate(resolved, {})).toEqual(
      iamPolicies(
        table,
        { region: REGION, accountId: ACCOUNT, apiId: 'abc123', stage: '$default', kind: 'http' },
        POOL_ID,
      ).authenticatedRolePolicy.Statement[0]!.Resource,
    );
  });

  it('refuses a token stage name (it goes into every ARN)', () => {
    const stack = new Stack();
    const table = shopStack('http').devauth.accessTable;
    const stageName = Token.asString({ Ref: 'Stage' });
    expect(() => bindIamPolicies(stack, table, { kind: 'rest', apiId: 'abc123', stageName }, 'x:1')).toThrow(
      DevauthConstructError,
    );
  });

  it('reports a table over IAM limits as a construct error', () => {
    const stack = new Stack();
    const routes = Array.from({ length: 120 }, (_, i) => ({
      method: 'GET' as const,
      path: `/items/kind-${i}/with-a-rather-long-segment-name`,
      roles: ['shopper'],
    }));
    expect(() =>
      bindIamPolicies(stack, { routes }, { kind: 'http', apiId: 'abc123', stageName: '$default' }, 'x:1'),
    ).toThrow(/over IAM's limit/);
  });

  it('synthesizes a template without any placeholder left', () => {
    const { template } = shopStack('rest');
    expect(JSON.stringify(Template.fromJSON(template.toJSON()).toJSON())).not.toMatch(/zz-devauth|DevauthPlaceholder/);
  });
});
