import { ValidationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import type { ApiGatewayProxyEvent } from '../src/events.js';
import { integerParameter, pathParameterOf, queryParametersOf } from '../src/handlers/request-parts.js';
import type { RouteRequest } from '../src/handlers/route.js';

const request = (event: Record<string, unknown>, path = '/'): RouteRequest =>
  ({ event: event as unknown as ApiGatewayProxyEvent, path }) as RouteRequest;

describe('queryParametersOf', () => {
  it('reads v2 rawQueryString (decoded), v1 multi-value parameters, else the single-value map', () => {
    expect(queryParametersOf(request({ rawQueryString: 'email=a%2Bb%40example.com&limit=2' }))).toEqual({
      email: 'a+b@example.com',
      limit: '2',
    });
    expect(
      queryParametersOf(request({ multiValueQueryStringParameters: { role: ['seller'] }, queryStringParameters: {} })),
    ).toEqual({ role: 'seller' });
    expect(queryParametersOf(request({ queryStringParameters: { cursor: 'abc' } }))).toEqual({ cursor: 'abc' });
    expect(queryParametersOf(request({ rawQueryString: '', queryStringParameters: null }))).toEqual({});
  });

  it('refuses a repeated parameter in either version, whatever the single-value map made of it', () => {
    for (const event of [
      { rawQueryString: 'role=seller&role=admin', queryStringParameters: { role: 'seller,admin' } },
      { multiValueQueryStringParameters: { role: ['seller', 'admin'] }, queryStringParameters: { role: 'admin' } },
    ]) {
      expect(() => queryParametersOf(request(event))).toThrow(ValidationError);
    }
  });

  it('keeps a parameter named __proto__ an own key (for the strict schemas to refuse), not a prototype', () => {
    const query = queryParametersOf(request({ rawQueryString: '__proto__=x&limit=1' }));
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.keys(query)).toEqual(['__proto__', 'limit']);
  });
});

describe('integerParameter', () => {
  it('turns digits into a number and anything else into a ValidationError on the parameter', () => {
    expect(integerParameter({ limit: '20', role: 'seller' }, 'limit')).toEqual({ limit: 20, role: 'seller' });
    expect(integerParameter({ limit: '-3' }, 'limit')).toEqual({ limit: -3 });
    expect(integerParameter({ role: 'seller' }, 'limit')).toEqual({ role: 'seller' });
    for (const value of ['', 'abc', '1.5', '1e3', ' 2', '0x10', '9'.repeat(16)]) {
      try {
        integerParameter({ limit: value }, 'limit');
        expect.unreachable(value);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues[0]?.path).toEqual(['limit']);
      }
    }
  });
});

describe('pathParameterOf', () => {
  const template = '/admin/users/{userId}/role';
  it('prefers pathParameters, else counts from the end of the path (a mount under a prefix)', () => {
    expect(pathParameterOf(request({ pathParameters: { userId: 'u%201' } }, '/x'), template, 'userId')).toBe('u 1');
    expect(pathParameterOf(request({ pathParameters: null }, '/prod/admin/users/u-2/role'), template, 'userId')).toBe(
      'u-2',
    );
    expect(pathParameterOf(request({}, '/role'), template, 'userId')).toBeUndefined();
    expect(pathParameterOf(request({}, '/admin/users/%E0%A4%A/role'), template, 'userId')).toBeUndefined();
    expect(pathParameterOf(request({}, `/admin/users/${'a'.repeat(600)}/role`), template, 'userId')).toBeUndefined();
    expect(pathParameterOf(request({}, '/admin/users/u/role'), template, 'familyId')).toBeUndefined();
  });
});
