import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type PolicyDocument, type PolicyStatement } from '../src/index.js';

const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/';
const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const invoke = (resource: string, principalTags?: Record<string, string>) => ({
  action: 'execute-api:Invoke',
  resource: `${ARN}${resource}`,
  ...(principalTags ? { principalTags } : {}),
});

describe('evaluatePolicy', () => {
  it('denies by default and allows on a matching Allow', () => {
    expect(evaluatePolicy(doc(), invoke('GET/products'))).toBe(false);
    const policy = doc({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${ARN}GET/products` });
    expect(evaluatePolicy(policy, invoke('GET/products'))).toBe(true);
    expect(evaluatePolicy(policy, invoke('POST/products'))).toBe(false);
    expect(evaluatePolicy(policy, { action: 'execute-api:ManageConnections', resource: `${ARN}GET/products` })).toBe(
      false,
    );
  });

  it('lets an explicit Deny win over any Allow, in any order', () => {
    const allow: PolicyStatement = { Effect: 'Allow', Action: '*', Resource: `${ARN}*` };
    const deny: PolicyStatement = { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: `${ARN}DELETE/*` };
    expect(evaluatePolicy(doc(allow, deny), invoke('DELETE/products/1'))).toBe(false);
    expect(evaluatePolicy(doc(deny, allow), invoke('DELETE/products/1'))).toBe(false);
    expect(evaluatePolicy(doc(deny, allow), invoke('GET/products'))).toBe(true);
  });

  it('supports * and ? in actions (case-insensitive) and resources (case-sensitive)', () => {
    const policy = doc({ Effect: 'Allow', Action: 'Execute-API:*', Resource: [`${ARN}GET/products/?`] });
    expect(evaluatePolicy(policy, invoke('GET/products/7'))).toBe(true);
    expect(evaluatePolicy(policy, invoke('GET/products/77'))).toBe(false);
    expect(evaluatePolicy(policy, invoke('get/products/7'))).toBe(false);
    const star = doc({ Effect: 'Allow', Action: 'execute-api:Inv?ke', Resource: `${ARN}DELETE/products/*` });
    // IAM's * also spans "/": that is why iamPolicies adds a Deny of the nested forms.
    expect(evaluatePolicy(star, invoke('DELETE/products/7/extra'))).toBe(true);
    expect(evaluatePolicy(star, invoke('DELETE/products'))).toBe(false);
  });

  it('applies NotResource and NotAction to everything they do not match', () => {
    const allow: PolicyStatement = { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${ARN}*` };
    const denyOthers = doc(allow, {
      Effect: 'Deny',
      Action: 'execute-api:Invoke',
      NotResource: [`${ARN}GET/products`, `${ARN}GET/orders/*`],
    });
    expect(evaluatePolicy(denyOthers, invoke('GET/products'))).toBe(true);
    expect(evaluatePolicy(denyOthers, invoke('GET/orders/7/lines'))).toBe(true);
    expect(evaluatePolicy(denyOthers, invoke('GET/orders'))).toBe(false);
    expect(evaluatePolicy(denyOthers, invoke('DELETE/products/7'))).toBe(false);

    const allowNot = doc({ Effect: 'Allow', NotAction: 'execute-api:Manage*', NotResource: `${ARN}DELETE/*` });
    expect(evaluatePolicy(allowNot, invoke('GET/products'))).toBe(true);
    expect(evaluatePolicy(allowNot, invoke('DELETE/products/7'))).toBe(false);
    expect(evaluatePolicy(allowNot, { action: 'execute-api:ManageConnections', resource: `${ARN}GET/products` })).toBe(
      false,
    );
  });

  it('fails closed on a statement with neither or both of Resource and NotResource (IAM would reject it)', () => {
    const allowAll: PolicyStatement = { Effect: 'Allow', Action: '*', Resource: '*' };
    expect(evaluatePolicy(doc({ Effect: 'Allow', Action: '*' }), invoke('GET/products'))).toBe(false);
    expect(evaluatePolicy(doc(allowAll, { Effect: 'Deny', Action: '*' }), invoke('GET/products'))).toBe(false);
    const both: PolicyStatement = { Effect: 'Deny', Action: '*', Resource: `${ARN}DELETE/*`, NotResource: `${ARN}*` };
    expect(evaluatePolicy(doc(allowAll, both), invoke('GET/products'))).toBe(false);
    expect(evaluatePolicy(doc({ ...both, Effect: 'Allow' }), invoke('DELETE/products/1'))).toBe(false);
    expect(evaluatePolicy(doc(allowAll, { Effect: 'Deny', Resource: '*' }), invoke('GET/products'))).toBe(false);
  });

  it('evaluates StringEquals / StringLike on principal tags; a missing tag makes the condition false', () => {
    const policy = doc({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: `${ARN}POST/products`,
      Condition: { StringEquals: { 'aws:PrincipalTag/role': ['seller', 'admin'] } },
    });
    expect(evaluatePolicy(policy, invoke('POST/products', { role: 'seller' }))).toBe(true);
    expect(evaluatePolicy(policy, invoke('POST/products', { role: 'admin' }))).toBe(true);
    expect(evaluatePolicy(policy, invoke('POST/products', { role: 'Seller' }))).toBe(false);
    expect(evaluatePolicy(policy, invoke('POST/products', {}))).toBe(false);
    expect(evaluatePolicy(policy, invoke('POST/products'))).toBe(false);
    expect(evaluatePolicy(policy, invoke('POST/products', { toString: 'x' } as Record<string, string>))).toBe(false);

    const like = doc({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: `${ARN}POST/products`,
      Condition: {
        StringLike: { 'aws:PrincipalTag/role': 'sell*' },
        StringEquals: { 'aws:PrincipalTag/tier': 'gold' },
      },
    });
    expect(evaluatePolicy(like, invoke('POST/products', { role: 'seller', tier: 'gold' }))).toBe(true);
    expect(evaluatePolicy(like, invoke('POST/products', { role: 'seller' }))).toBe(false);
    expect(evaluatePolicy(like, invoke('POST/products', { role: 'shopper', tier: 'gold' }))).toBe(false);
  });

  it('fails closed on unknown operators and condition keys', () => {
    const unknownOperator = doc({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: `${ARN}*`,
      Condition: { StringNotEquals: { 'aws:PrincipalTag/role': 'guest' } },
    });
    expect(evaluatePolicy(unknownOperator, invoke('GET/products', { role: 'seller' }))).toBe(false);
    const unknownKey = doc({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: `${ARN}*`,
      Condition: { StringEquals: { 'aws:SourceIp': '203.0.113.10' } },
    });
    expect(evaluatePolicy(unknownKey, invoke('GET/products'))).toBe(false);
    // A Deny we cannot evaluate is assumed to apply, so it can only ever remove access.
    const denyUnknown = doc(
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${ARN}*` },
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } },
      },
    );
    expect(evaluatePolicy(denyUnknown, invoke('GET/products'))).toBe(false);
  });

  it('denies documents with a wrong version or a malformed shape', () => {
    const allowAll = { Effect: 'Allow' as const, Action: '*', Resource: '*' };
    expect(evaluatePolicy({ Version: '2008-10-17' } as unknown as PolicyDocument, invoke('GET/products'))).toBe(false);
    expect(
      evaluatePolicy(
        { Version: '2012-10-17', Statement: allowAll } as unknown as PolicyDocument,
        invoke('GET/products'),
      ),
    ).toBe(false);
    expect(evaluatePolicy(doc(allowAll), invoke('GET/products'))).toBe(true);
  });
});
