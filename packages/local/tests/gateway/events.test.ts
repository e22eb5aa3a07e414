import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayV1Event, ApiGatewayV2Event } from '../../src/index.js';
import {
  type Credentials,
  guestCredentials,
  PROVIDER,
  request,
  type Stack,
  send,
  sign,
  startStack,
  userCredentials,
} from './helpers.js';

// The events handlers receive, per payload version, with the IAM identity of the credentials the request was signed
// with, and the access table applied as IAM would (EXAMPLE_ACCESS_TABLE: guests and users read products, shoppers
// and sellers read orders, only sellers create or delete products). The stack is the default gateway: an HTTP API at
// its `$default` stage, mixing payload 1.0 and 2.0 routes (REST APIs and named stages: stages.test.ts).
let stack: Stack;
let guest: Credentials & { identityId: string };
let shopper: Credentials & { identityId: string };
let seller: Credentials & { identityId: string };

beforeAll(async () => {
  stack = await startStack();
  guest = await guestCredentials(stack);
  shopper = await userCredentials(stack, 'shopper-1', 'shopper');
  seller = await userCredentials(stack, 'seller-1', 'seller');
});

afterAll(async () => {
  await stack.stop();
});

const lastEvent = <T>() => stack.events.at(-1) as T;
const userArn = (kind: string) =>
  `arn:aws:sts::000000000000:assumed-role/devauth-local-${kind}/CognitoIdentityCredentials`;
const resourceArn = (method: string, path: string) =>
  `arn:aws:execute-api:us-east-1:000000000000:devauthapi/$default/${method}${path}`;

describe('payload v1 routes (HTTP API, format 1.0)', () => {
  it('delivers a guest call with the unauthenticated Cognito identity', async () => {
    const plain = request(stack.gateway, 'GET', '/products', {
      query: { limit: '5' },
      headers: { 'X-Shop-Tenant': 'acme' },
    });
    const response = await send(stack.gateway, await sign(guest, plain));
    expect(response).toEqual({ status: 200, json: { ok: true } });

    const event = lastEvent<ApiGatewayV1Event>();
    expect(event).toMatchObject({
      version: '1.0',
      resource: '/products',
      path: '/products',
      httpMethod: 'GET',
      queryStringParameters: { limit: '5' },
      multiValueQueryStringParameters: { limit: ['5'] },
      pathParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers['X-Shop-Tenant'] ?? event.headers['x-shop-tenant']).toBe('acme');
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: 'devauthapi',
      stage: '$default',
      resourcePath: '/products',
      httpMethod: 'GET',
      path: '/products',
      requestId: expect.any(String),
      requestTimeEpoch: expect.any(Number),
    });
    expect(event.requestContext.identity).toMatchObject({
      sourceIp: '127.0.0.1',
      cognitoIdentityPoolId: stack.pool.identityPoolId,
      cognitoIdentityId: guest.identityId,
      cognitoAuthenticationType: 'unauthenticated',
      cognitoAuthenticationProvider: null,
      accessKey: guest.accessKeyId,
      accountId: '000000000000',
      caller: expect.stringMatching(/^AROA[A-Z2-7]{17}:CognitoIdentityCredentials$/),
      userArn: userArn('unauthenticated'),
    });
    expect(event.requestContext.identity.user).toBe(event.requestContext.identity.caller);
  });

  it('delivers a seller call with the body and the developer provider', async () => {
    const body = JSON.stringify({ name: 'lamp' });
    const plain = request(stack.gateway, 'POST', '/products', {
      headers: { 'content-type': 'application/json' },
      body,
    });
    const response = await send(stack.gateway, await sign(seller, plain));
    expect(response.status).toBe(200);

    const event = lastEvent<ApiGatewayV1Event>();
    expect(event).toMatchObject({ httpMethod: 'POST', body, isBase64Encoded: false, queryStringParameters: null });
    expect(event.requestContext.identity).toMatchObject({
      cognitoIdentityId: seller.identityId,
      cognitoAuthenticationType: 'authenticated',
      cognitoAuthenticationProvider: `${PROVIDER},${PROVIDER}:${stack.pool.identityPoolId}:seller-1`,
      accessKey: seller.accessKeyId,
      userArn: userArn('authenticated'),
    });
  });

  it('refuses a role the table does not list, with the IAM message', async () => {
    const plain = request(stack.gateway, 'POST', '/products', { body: '{}' });
    const response = await send(stack.gateway, await sign(shopper, plain));
    expect(response).toEqual({
      status: 403,
      json: {
        message: `User: ${userArn('authenticated')} is not authorized to perform: execute-api:Invoke on resource: ${resourceArn('POST', '/products')}`,
      },
    });
  });

  it('serves a NONE route unsigned, with null identity fields and decoded path parameters', async () => {
    const response = await fetch(`${stack.gateway.endpoint}/legacy/a%20b`);
    expect(response.status).toBe(200);
    const event = lastEvent<ApiGatewayV1Event>();
    expect(event.pathParameters).toEqual({ name: 'a b' });
    expect(event.resource).toBe('/legacy/{name}');
    expect(event.requestContext.identity).toMatchObject({
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      cognitoAuthenticationType: null,
      accessKey: null,
      userArn: null,
      caller: null,
    });
  });
});

describe('payload v2 routes (HTTP API, format 2.0)', () => {
  it('delivers a shopper call with authorizer.iam and the Cognito identity', async () => {
    const plain = request(stack.gateway, 'GET', '/orders', {
      query: { status: 'open' },
      headers: { 'X-Shop-Tenant': 'acme', cookie: 'a=1; b=2' },
    });
    const response = await send(stack.gateway, await sign(shopper, plain));
    expect(response.status).toBe(200);

    const event = lastEvent<ApiGatewayV2Event>();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /orders',
      rawPath: '/orders',
      rawQueryString: 'status=open',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { status: 'open' },
      isBase64Encoded: false,
    });
    expect(event.pathParameters).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.headers['x-shop-tenant']).toBe('acme');
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: 'devauthapi',
      stage: '$default',
      routeKey: 'GET /orders',
      http: { method: 'GET', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      timeEpoch: expect.any(Number),
    });
    expect(event.requestContext.authorizer?.iam).toEqual({
      accessKey: shopper.accessKeyId,
      accountId: '000000000000',
      callerId: expect.stringMatching(/^AROA[A-Z2-7]{17}:CognitoIdentityCredentials$/),
      cognitoIdentity: {
        amr: ['authenticated', PROVIDER, `${PROVIDER}:${stack.pool.identityPoolId}:shopper-1`],
        identityId: shopper.identityId,
        identityPoolId: stack.pool.identityPoolId,
      },
      principalOrgId: null,
      userArn: userArn('authenticated'),
      userId: expect.stringMatching(/:CognitoIdentityCredentials$/),
    });
  });

  it('routes path parameters for a seller', async () => {
    const plain = request(stack.gateway, 'DELETE', '/products/42');
    expect((await send(stack.gateway, await sign(seller, plain))).status).toBe(200);
    const event = lastEvent<ApiGatewayV2Event>();
    expect(event.routeKey).toBe('DELETE /products/{id}');
    expect(event.pathParameters).toEqual({ id: '42' });
    expect(event.requestContext.authorizer?.iam.cognitoIdentity?.identityId).toBe(seller.identityId);
  });

  it('refuses a shopper deleting and a guest reading orders', async () => {
    const shopperDelete = await send(
      stack.gateway,
      await sign(shopper, request(stack.gateway, 'DELETE', '/products/42')),
    );
    expect(shopperDelete).toEqual({
      status: 403,
      json: {
        message: `User: ${userArn('authenticated')} is not authorized to perform: execute-api:Invoke on resource: ${resourceArn('DELETE', '/products/42')}`,
      },
    });
    const guestOrders = await send(stack.gateway, await sign(guest, request(stack.gateway, 'GET', '/orders')));
    expect(guestOrders).toEqual({
      status: 403,
      json: {
        message: `User: ${userArn('unauthenticated')} is not authorized to perform: execute-api:Invoke on resource: ${resourceArn('GET', '/orders')}`,
      },
    });
  });

  it('answers a plain-object result as 200 JSON on a NONE route, without an authorizer', async () => {
    const response = await fetch(`${stack.gateway.endpoint}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ status: 'up' });
    expect(lastEvent<ApiGatewayV2Event>().requestContext.authorizer).toBeUndefined();
  });
});

describe('gateway errors', () => {
  it('answers an unknown route with 404 Not Found, as an HTTP API does', async () => {
    const response = await fetch(`${stack.gateway.endpoint}/nowhere`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBeNull();
    expect(await response.json()).toEqual({ message: 'Not Found' });
    const wrongMethod = await fetch(`${stack.gateway.endpoint}/health`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(404);
  });

  it('answers a throwing handler with 502 Internal server error', async () => {
    // The gateway prints the handler's stack for the developer; keep the test output quiet.
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await fetch(`${stack.gateway.endpoint}/boom`);
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ message: 'Internal server error' });
      expect(consoleError).toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
  });

  it('denies credentials issued by another pool', async () => {
    const other = stack.emulator.createPool({ developerProviderName: PROVIDER });
    const foreign = await guestCredentials({ ...stack, pool: other });
    const response = await send(stack.gateway, await sign(foreign, request(stack.gateway, 'GET', '/products')));
    expect(response.status).toBe(403);
    expect(response.json).toEqual({
      message: expect.stringMatching(/is not authorized to perform: execute-api:Invoke/),
    });
  });
});
