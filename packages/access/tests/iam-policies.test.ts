import { describe, expect, it } from 'vitest';
import { defineAccessTable, EXAMPLE_ACCESS_TABLE, iamPolicies, type PolicyStatement } from '../src/index.js';
import { POOL_ID, REST_TARGET } from './support.js';

const prefix = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/';
const list = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());

describe('iamPolicies', () => {
  const policies = iamPolicies(EXAMPLE_ACCESS_TABLE, REST_TARGET, POOL_ID);

  it('grants guests execute-api:Invoke on guest routes only', () => {
    expect(policies.unauthenticatedRolePolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'GuestInvoke', Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [`${prefix}GET/products`] },
      ],
    });
  });

  it('grants each set of stored roles its routes under one role principal tag condition', () => {
    const statements = policies.authenticatedRolePolicy.Statement;
    expect(policies.authenticatedRolePolicy.Version).toBe('2012-10-17');
    // GET /products and GET /orders are open to shopper and seller: listed once, for both.
    expect(statements.map((s) => s.Sid)).toEqual(['RoleSellerShopperInvoke', 'RoleSellerInvoke', 'DenyNestedSeller']);
    const roleValues = (s: PolicyStatement) => list(s.Condition?.StringEquals?.['aws:PrincipalTag/role']).sort();
    const allowed = (role: string) =>
      statements
        .filter((s) => s.Effect === 'Allow' && roleValues(s).includes(role))
        .flatMap((s) => list(s.Resource))
        .sort();
    expect(roleValues(statements[0]!)).toEqual(['seller', 'shopper']);
    expect(allowed('shopper')).toEqual([`${prefix}GET/orders`, `${prefix}GET/products`]);
    expect(allowed('seller')).toEqual([
      `${prefix}DELETE/products/*`,
      `${prefix}GET/orders`,
      `${prefix}GET/products`,
      `${prefix}POST/products`,
    ]);
    // No route is listed twice: the grouping is what keeps the document small as roles are added.
    const resources = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Resource));
    expect(new Set(resources).size).toBe(resources.length);
    for (const statement of statements) {
      expect(Object.keys(statement.Condition ?? {})).toEqual(['StringEquals']);
    }
  });

  it("denies the seller's DELETE/products/* wildcard any deeper path, under the seller's tag only", () => {
    expect(policies.authenticatedRolePolicy.Statement.at(-1)).toEqual({
      Sid: 'DenyNestedSeller',
      Effect: 'Deny',
      Action: 'execute-api:Invoke',
      // At least three segments: deeper than any DELETE route of the seller, so it never meets one.
      Resource: [`${prefix}DELETE/*/*/*`],
      Condition: { StringEquals: { 'aws:PrincipalTag/role': 'seller' } },
    });
    expect(policies.nestedPathGaps).toEqual([]);
  });

  it('is least privilege: only Invoke, never a bare "*" resource, always inside this API and stage', () => {
    for (const policy of [policies.unauthenticatedRolePolicy, policies.authenticatedRolePolicy]) {
      for (const statement of policy.Statement) {
        expect(statement.Action).toBe('execute-api:Invoke');
        expect(statement.Principal).toBeUndefined();
        expect(statement.NotResource).toBeUndefined();
        for (const resource of list(statement.Resource)) {
          expect(resource).not.toBe('*');
          expect(resource.startsWith(prefix)).toBe(true);
          expect(resource.slice(prefix.length)).toMatch(/^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\//);
          // Allow: wildcards only where the table has a {param}. Deny: only wildcards after the method.
          if (statement.Effect === 'Allow') {
            expect(resource.slice(prefix.length).replace('products/*', '')).not.toMatch(/[*?]/);
          } else {
            expect(resource.slice(prefix.length)).toMatch(/^[A-Z]+\/[^?]*$/);
          }
        }
      }
    }
  });

  it('builds trust policies pinned to the pool and the amr', () => {
    expect(policies.unauthenticatedTrustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CognitoUnauthenticated',
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'cognito-identity.amazonaws.com:aud': POOL_ID },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
          },
        },
      ],
    });
    const [trust] = policies.authenticatedTrustPolicy.Statement;
    expect(trust?.Action).toEqual(['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']);
    expect(trust?.Principal).toEqual({ Federated: 'cognito-identity.amazonaws.com' });
    expect(trust?.Condition).toEqual({
      StringEquals: { 'cognito-identity.amazonaws.com:aud': POOL_ID },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
    });
  });

  it('emits an explicit Deny instead of an empty policy, and unique Sids for similar role names', () => {
    const table = defineAccessTable(
      [
        { method: 'GET', path: '/a', roles: ['power-user'] },
        { method: 'GET', path: '/b', roles: ['power_user'] },
      ],
      { roles: ['power-user', 'power_user'] },
    );
    const { unauthenticatedRolePolicy, authenticatedRolePolicy } = iamPolicies(table, REST_TARGET, POOL_ID);
    expect(unauthenticatedRolePolicy.Statement).toEqual([
      { Sid: 'NoGuestRoutes', Effect: 'Deny', Action: 'execute-api:Invoke', Resource: `${prefix}*` },
    ]);
    expect(authenticatedRolePolicy.Statement.map((s) => s.Sid)).toEqual([
      'RolePowerUserInvoke',
      'RolePowerUserInvoke2',
    ]);
    for (const s of authenticatedRolePolicy.Statement) expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);

    const guestsOnly = defineAccessTable([{ method: 'GET', path: '/a', roles: ['guest'] }]);
    expect(iamPolicies(guestsOnly, REST_TARGET, POOL_ID).authenticatedRolePolicy.Statement[0]?.Effect).toBe('Deny');
  });

  it('rejects a malformed identity pool id', () => {
    expect(() => iamPolicies(EXAMPLE_ACCESS_TABLE, REST_TARGET, 'eu-west-1:*')).toThrow(/identity pool id/);
    expect(() => iamPolicies(EXAMPLE_ACCESS_TABLE, REST_TARGET, '')).toThrow(/identity pool id/);
  });
});
