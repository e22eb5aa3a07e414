import { describe, expect, it } from 'vitest';
import { executeApiArn } from '../src/index.js';
import { HTTP_TARGET, REST_TARGET } from './support.js';

describe('executeApiArn', () => {
  it('builds the REST API form', () => {
    expect(executeApiArn(REST_TARGET, 'GET', '/products')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/products',
    );
    expect(executeApiArn(REST_TARGET, 'DELETE', '/products/{id}')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/DELETE/products/*',
    );
    expect(executeApiArn(REST_TARGET, 'GET', '/')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/',
    );
  });

  it('builds the HTTP API form (same layout, $default stage)', () => {
    expect(executeApiArn(HTTP_TARGET, 'POST', '/shops/{shopId}/products')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:b2c3d4e5f6/$default/POST/shops/*/products',
    );
  });

  it('follows the partition of the region', () => {
    expect(executeApiArn({ ...REST_TARGET, region: 'cn-north-1' }, 'GET', '/a')).toMatch(/^arn:aws-cn:execute-api:/);
    expect(executeApiArn({ ...REST_TARGET, region: 'us-gov-west-1' }, 'GET', '/a')).toMatch(/^arn:aws-us-gov:/);
  });

  it('rejects invalid targets, methods and paths', () => {
    expect(() => executeApiArn({ ...REST_TARGET, accountId: '123' }, 'GET', '/a')).toThrow(/accountId/);
    expect(() => executeApiArn({ ...REST_TARGET, region: 'Mars' }, 'GET', '/a')).toThrow(/region/);
    expect(() => executeApiArn({ ...REST_TARGET, stage: 'a/b' }, 'GET', '/a')).toThrow(/stage/);
    expect(() => executeApiArn({ ...REST_TARGET, apiId: 'a*' }, 'GET', '/a')).toThrow(/apiId/);
    expect(() => executeApiArn(REST_TARGET, 'get' as 'GET', '/a')).toThrow(/method/);
    expect(() => executeApiArn(REST_TARGET, 'GET', '/a/*')).toThrow(/invalid segment/);
  });
});
