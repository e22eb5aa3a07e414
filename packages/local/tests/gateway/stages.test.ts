import { EXAMPLE_ACCESS_TABLE } from '@devauth/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiGatewayV1Event,
  type ApiGatewayV2Event,
  type LocalRoute,
  startIdentityPoolEmulator,
  startLocalGateway,
} from '../../src/index.js';
import {
  type Credentials,
  guestCredentials,
  REGION,
  request,
  type Stack,
  send,
  sendWithHeaders,
  sign,
  startStack,
  userCredentials,
} from './helpers.js';

// Where routes live in the URL and what an unknown one answers, per API kind, as a deployed API Gateway does:
// a REST API at https://{api}.execute-api.{region}.amazonaws.com/{stage}/..., an HTTP API at its `$default` stage
// with no prefix or under a named stage's. (The `$default` HTTP API is the default gateway: events.test.ts.)
const MISMATCH = /^The request signature we calculated does not match the signature you provided\./;
const userArn = (kind: string) =>
  `arn:aws:sts::000000000000:assumed-role/devauth-local-${kind}/CognitoIdentityCredentials`;
const resourceArn = (stage: string, method: string, path: string) =>
  `arn:aws:execute-api:us-east-1:000000000000:devauthapi/${stage}/${method}${path}`;

/** Fetches `path` at the gateway's origin (the stage prefix, if any, is part of `path`). */
async function raw(stack: Stack, path: string, init: RequestInit = {}) {
  const response = await fetch(`${new URL(stack.gateway.endpoint).origin}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    requestId: response.headers.get('x-amzn-requestid'),
    body: text,
  };
}

function restRoutes(events: unknown[]): LocalRoute[] {
  const echo = async (event: unknown) => {
    events.push(event);
    return { statusCode: 200, body: JSON.stringify({ ok: true }) };
  };
  return [
    { method: 'GET', path: '/', payload: 'v1', auth: 'NONE', handler: echo },
    { method: 'GET', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: echo },
    { method: 'POST', path: '/products', payload: 'v1', auth: 'AWS_IAM', handler: echo },
    { method: 'GET', path: '/legacy/{name}', payload: 'v1', auth: 'NONE', handler: echo },
  ];
}

describe("a REST API (apiKind 'rest')", () => {
  const events: unknown[] = [];
  let stack: Stack;
  let guest: Credentials;
  let shopper: Credentials;

  beforeAll(async () => {
    stack = await startStack({ apiKind: 'rest', routes: restRoutes(events) });
    guest = await guestCredentials(stack);
    shopper = await userCredentials(stack, 'shopper-rest', 'shopper');
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('has the stage in its endpoint, like the invoke URL (default stage "local")', () => {
    expect(stack.gateway.endpoint).toBe(`http://127.0.0.1:${stack.gateway.port}/local`);
  });

  it('serves routes under /<stage>: path without the stage, requestContext.path with it, no version', async () => {
    const plain = request(stack.gateway, 'GET', '/products', { query: { limit: '5' } });
    expect(plain.path).toBe('/local/products');
    expect(await send(stack.gateway, await sign(guest, plain))).toEqual({ status: 200, json: { ok: true } });
    const event = events.at(-1) as ApiGatewayV1Event;
    expect(event).toMatchObject({ resource: '/products', path: '/products', httpMethod: 'GET' });
    expect(event).not.toHaveProperty('version');
    expect(event.requestContext).toMatchObject({
      stage: 'local',
      path: '/local/products',
      resourcePath: '/products',
    });
    expect(event.requestContext.identity.cognitoAuthenticationType).toBe('unauthenticated');
  });

  it('serves the root resource at /<stage> and /<stage>/, and decodes path parameters below the stage', async () => {
    for (const path of ['/local', '/local/']) {
      const response = await raw(stack, path);
      expect(response.status, path).toBe(200);
      expect(events.at(-1)).toMatchObject({ resource: '/', path: '/', requestContext: { path } });
    }
    expect((await raw(stack, '/local/legacy/a%20b')).status).toBe(200);
    expect(events.at(-1)).toMatchObject({ resource: '/legacy/{name}', pathParameters: { name: 'a b' } });
    expect((await raw(stack, '/local/legacy/lamp')).status).toBe(200);
    expect(events.at(-1)).toMatchObject({ path: '/legacy/lamp', requestContext: { path: '/local/legacy/lamp' } });
  });

  it('answers unknown routes, wrong methods and paths outside the stage with 403 Missing Authentication Token', async () => {
    const before = events.length;
    const refusal = {
      status: 403,
      errorType: 'MissingAuthenticationTokenException',
      requestId: expect.any(String),
      body: '{"message":"Missing Authentication Token"}',
    };
    for (const path of [
      '/local/nowhere',
      '/products',
      '/',
      '/locale/products',
      '/prod/products',
      '/local/products/1',
    ]) {
      expect(await raw(stack, path), path).toEqual(refusal);
    }
    expect(await raw(stack, '/local/products', { method: 'DELETE' })).toEqual(refusal);
    // Even correctly signed: the route is looked up before the signature is checked.
    const signed = await sign(guest, request(stack.gateway, 'GET', '/nowhere'));
    const response = await sendWithHeaders(stack.gateway, signed);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(response.json).toEqual({ message: 'Missing Authentication Token' });
    expect(events.length).toBe(before);
  });

  it('verifies the signature over the path as sent, stage prefix included', async () => {
    // Signed for the route path alone, sent under the stage: not the request that was signed.
    const plain = request(stack.gateway, 'GET', '/products');
    const withoutStage = await sign(guest, { ...plain, path: '/products' });
    const response = await sendWithHeaders(stack.gateway, { ...withoutStage, path: '/local/products' });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    expect(response.json).toEqual({ message: expect.stringMatching(MISMATCH) });
  });

  it('checks IAM on the execute-api ARN: the stage in its own segment, the path below it', async () => {
    const response = await send(stack.gateway, await sign(shopper, request(stack.gateway, 'POST', '/products')));
    expect(response).toEqual({
      status: 403,
      json: {
        message: `User: ${userArn('authenticated')} is not authorized to perform: execute-api:Invoke on resource: ${resourceArn('local', 'POST', '/products')}`,
      },
    });
  });
});

describe('a REST API on another stage', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ apiKind: 'rest', stage: 'prod', routes: restRoutes([]) });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('serves under that stage only', async () => {
    expect(stack.gateway.endpoint).toBe(`http://127.0.0.1:${stack.gateway.port}/prod`);
    expect((await raw(stack, '/prod/legacy/x')).status).toBe(200);
    expect(await raw(stack, '/local/legacy/x')).toMatchObject({
      status: 403,
      errorType: 'MissingAuthenticationTokenException',
    });
  });
});

describe('an HTTP API on a named stage', () => {
  let stack: Stack;
  let guest: Credentials;
  let shopper: Credentials;

  beforeAll(async () => {
    stack = await startStack({ stage: 'beta' });
    guest = await guestCredentials(stack);
    shopper = await userCredentials(stack, 'shopper-beta', 'shopper');
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('serves under /<stage>, keeping the stage in rawPath and http.path but not in routeKey (payload 2.0)', async () => {
    expect(stack.gateway.endpoint).toBe(`http://127.0.0.1:${stack.gateway.port}/beta`);
    const response = await send(stack.gateway, await sign(shopper, request(stack.gateway, 'GET', '/orders')));
    expect(response.status).toBe(200);
    const event = stack.events.at(-1) as ApiGatewayV2Event;
    expect(event).toMatchObject({ routeKey: 'GET /orders', rawPath: '/beta/orders' });
    expect(event.requestContext).toMatchObject({
      stage: 'beta',
      routeKey: 'GET /orders',
      http: { path: '/beta/orders' },
    });
  });

  it('keeps the stage in path and requestContext.path of payload 1.0 events, with version 1.0', async () => {
    const response = await send(stack.gateway, await sign(guest, request(stack.gateway, 'GET', '/products')));
    expect(response.status).toBe(200);
    expect(stack.events.at(-1)).toMatchObject({
      version: '1.0',
      resource: '/products',
      path: '/beta/products',
      requestContext: { stage: 'beta', path: '/beta/products', resourcePath: '/products' },
    });
  });

  it('answers paths outside the stage and unknown routes with 404 Not Found', async () => {
    const notFound = { status: 404, errorType: null, requestId: expect.any(String), body: '{"message":"Not Found"}' };
    expect(await raw(stack, '/health')).toEqual(notFound);
    expect(await raw(stack, '/beta/nowhere')).toEqual(notFound);
    expect(await raw(stack, '/beta/health', { method: 'POST' })).toEqual(notFound);
    expect((await raw(stack, '/beta/health')).status).toBe(200);
  });

  it('names the stage in the execute-api ARN', async () => {
    const response = await send(stack.gateway, await sign(guest, request(stack.gateway, 'GET', '/orders')));
    expect(response).toEqual({
      status: 403,
      json: {
        message: `User: ${userArn('unauthenticated')} is not authorized to perform: execute-api:Invoke on resource: ${resourceArn('beta', 'GET', '/orders')}`,
      },
    });
  });
});

describe('gateway options', () => {
  it('refuses payload 2.0 routes on a REST API and stages it cannot have, before listening', async () => {
    const emulator = await startIdentityPoolEmulator({ region: REGION });
    try {
      const base = { region: REGION, emulator, accessTable: EXAMPLE_ACCESS_TABLE };
      const v2: LocalRoute = { method: 'GET', path: '/a', payload: 'v2', auth: 'NONE', handler: async () => ({}) };
      const v1: LocalRoute = { method: 'GET', path: '/a', payload: 'v1', auth: 'NONE', handler: async () => ({}) };
      await expect(startLocalGateway({ ...base, apiKind: 'rest', routes: [v1, v2] })).rejects.toThrow(
        /REST API sends payload format 1\.0 only: GET \/a/,
      );
      await expect(startLocalGateway({ ...base, apiKind: 'rest', stage: '$default', routes: [v1] })).rejects.toThrow(
        /Invalid stage for a REST API/,
      );
      for (const stage of ['', 'a/b', 'pr od', '..', '$other']) {
        await expect(startLocalGateway({ ...base, stage, routes: [v1] }), stage).rejects.toThrow(/Invalid stage/);
      }
      await expect(startLocalGateway({ ...base, apiKind: 'graphql' as 'rest', routes: [v1] })).rejects.toThrow(
        /Invalid apiKind/,
      );
    } finally {
      await emulator.stop();
    }
  });
});
