import { describe, expect, it } from 'vitest';
import { iamIdentityOf, routeOf } from '../../src/access/index.js';
import { fixture, GUEST_IDENTITY, IDENTITIES, POOL_ID } from './support.js';

describe('iamIdentityOf', () => {
  it('reads REST API (v1) identities', () => {
    expect(iamIdentityOf(fixture('rest-v1-authenticated'))).toEqual({
      identityId: IDENTITIES.seller,
      identityPoolId: POOL_ID,
      authenticationType: 'authenticated',
    });
    expect(iamIdentityOf(fixture('rest-v1-unauthenticated'))).toEqual({
      identityId: GUEST_IDENTITY,
      identityPoolId: POOL_ID,
      authenticationType: 'unauthenticated',
    });
  });

  it('reads HTTP API (v2) identities; authenticated iff amr includes "authenticated"', () => {
    expect(iamIdentityOf(fixture('http-v2-authenticated'))).toEqual({
      identityId: IDENTITIES.seller,
      identityPoolId: POOL_ID,
      authenticationType: 'authenticated',
    });
    expect(iamIdentityOf(fixture('http-v2-unauthenticated'))).toEqual({
      identityId: GUEST_IDENTITY,
      identityPoolId: POOL_ID,
      authenticationType: 'unauthenticated',
    });
    const oddAmr = fixture('http-v2-authenticated');
    oddAmr.requestContext.authorizer.iam.cognitoIdentity.amr = ['login.devauth.example', 'unauthenticated'];
    expect(iamIdentityOf(oddAmr)?.authenticationType).toBe('unauthenticated');
  });

  it('accepts a missing pool id as null', () => {
    const event = fixture('rest-v1-authenticated');
    event.requestContext.identity.cognitoIdentityPoolId = null;
    expect(iamIdentityOf(event)?.identityPoolId).toBeNull();
  });

  it('returns null for IAM users without Cognito, a null v2 cognitoIdentity, and non-events', () => {
    const iamUser = fixture('rest-v1-authenticated');
    Object.assign(iamUser.requestContext.identity, {
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      cognitoAuthenticationType: null,
      cognitoAuthenticationProvider: null,
    });
    expect(iamIdentityOf(iamUser)).toBeNull();
    const v2 = fixture('http-v2-authenticated');
    v2.requestContext.authorizer.iam.cognitoIdentity = null;
    expect(iamIdentityOf(v2)).toBeNull();
    const noAuthorizer = fixture('http-v2-authenticated');
    delete noAuthorizer.requestContext.authorizer;
    expect(iamIdentityOf(noAuthorizer)).toBeNull();
    for (const value of [undefined, null, 42, 'event', [], {}, { requestContext: 'x' }, { requestContext: [] }]) {
      expect(iamIdentityOf(value)).toBeNull();
    }
  });

  it.each<[string, (event: ReturnType<typeof fixture>) => void]>([
    ['v1 numeric identity id', (e) => (e.requestContext.identity.cognitoIdentityId = 42)],
    ['v1 identity id with wildcards', (e) => (e.requestContext.identity.cognitoIdentityId = 'eu-west-1:*')],
    ['v1 overlong identity id', (e) => (e.requestContext.identity.cognitoIdentityId = `eu-west-1:${'a'.repeat(60)}`)],
    ['v1 unknown authentication type', (e) => (e.requestContext.identity.cognitoAuthenticationType = 'Authenticated')],
    ['v1 malformed pool id', (e) => (e.requestContext.identity.cognitoIdentityPoolId = { id: 1 })],
    ['v1 identity as array', (e) => (e.requestContext.identity = [])],
  ])('returns null for a forged or malformed v1 field: %s', (_name, mutate) => {
    const event = fixture('rest-v1-authenticated');
    mutate(event);
    expect(iamIdentityOf(event)).toBeNull();
  });

  it.each<[string, (event: ReturnType<typeof fixture>) => void]>([
    ['amr not an array', (e) => (e.requestContext.authorizer.iam.cognitoIdentity.amr = 'authenticated')],
    ['amr with non-strings', (e) => (e.requestContext.authorizer.iam.cognitoIdentity.amr = ['authenticated', 1])],
    ['missing identity id', (e) => delete e.requestContext.authorizer.iam.cognitoIdentity.identityId],
    ['malformed pool id', (e) => (e.requestContext.authorizer.iam.cognitoIdentity.identityPoolId = 'pool')],
    ['iam as string', (e) => (e.requestContext.authorizer.iam = 'admin')],
    [
      'v1 fields on a v2 event',
      (e) => {
        e.requestContext.authorizer = undefined;
        e.requestContext.identity = { cognitoIdentityId: 'eu-west-1:aaaa', cognitoAuthenticationType: 'authenticated' };
      },
    ],
  ])('returns null for a forged or malformed v2 field: %s', (_name, mutate) => {
    const event = fixture('http-v2-authenticated');
    mutate(event);
    expect(iamIdentityOf(event)).toBeNull();
  });
});

describe('routeOf', () => {
  it('prefers the matched template (v1 resource, v2 routeKey)', () => {
    expect(routeOf(fixture('rest-v1-authenticated'))).toEqual({ method: 'DELETE', path: '/products/{id}' });
    expect(routeOf(fixture('http-v2-authenticated'))).toEqual({ method: 'DELETE', path: '/products/{id}' });
  });

  it('falls back to the concrete path for greedy and $default routes', () => {
    const v1 = fixture('rest-v1-authenticated');
    v1.resource = '/{proxy+}';
    expect(routeOf(v1)).toEqual({ method: 'DELETE', path: '/products/42' });
    const v2 = fixture('http-v2-unauthenticated');
    v2.routeKey = '$default';
    expect(routeOf(v2)).toEqual({ method: 'GET', path: '/products' });
  });

  it('returns null without a method', () => {
    const v2 = fixture('http-v2-unauthenticated');
    delete v2.requestContext.http;
    expect(routeOf(v2)).toBeNull();
    expect(routeOf({})).toBeNull();
    expect(routeOf(null)).toBeNull();
  });
});
