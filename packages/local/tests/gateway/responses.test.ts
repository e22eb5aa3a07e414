import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayV2Event } from '../../src/index.js';
import { guestCredentials, request, type Stack, send, sign, startStack } from './helpers.js';

// How handler results become HTTP responses (payload v1 and v2), and a gateway without an access table.
let stack: Stack;
const received: unknown[] = [];

beforeAll(async () => {
  stack = await startStack({
    accessTable: undefined,
    routes: [
      {
        method: 'GET',
        path: '/v1',
        payload: 'v1',
        auth: 'NONE',
        handler: async () => ({
          statusCode: 201,
          headers: { 'x-one': 'a' },
          multiValueHeaders: { 'x-many': ['b', 'c'] },
          body: Buffer.from('binary!').toString('base64'),
          isBase64Encoded: true,
        }),
      },
      { method: 'GET', path: '/v1/malformed', payload: 'v1', auth: 'NONE', handler: async () => 'no status code' },
      {
        method: 'POST',
        path: '/v2/{proxy+}',
        payload: 'v2',
        auth: 'AWS_IAM',
        handler: async (event) => {
          received.push(event);
          return { statusCode: 204, cookies: ['s=1; HttpOnly', 't=2'], headers: { 'x-v': '2' } };
        },
      },
      { method: 'ANY', path: '/v2/text', payload: 'v2', auth: 'NONE', handler: async () => 'hello' },
    ],
  });
});

afterAll(async () => {
  await stack.stop();
});

describe('handler results', () => {
  it('writes a v1 result with single and multi-value headers and a base64 body', async () => {
    const response = await fetch(`${stack.gateway.endpoint}/v1`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-one')).toBe('a');
    expect(response.headers.get('x-many')).toBe('b, c');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe('binary!');
  });

  it('answers a malformed v1 result with 502', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await fetch(`${stack.gateway.endpoint}/v1/malformed`);
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ message: 'Internal server error' });
    } finally {
      consoleError.mockRestore();
    }
  });

  it('writes v2 cookies as Set-Cookie and serializes a plain string result as JSON', async () => {
    const guest = await guestCredentials(stack);
    const plain = request(stack.gateway, 'POST', '/v2/a/b', {
      headers: { 'content-type': 'application/octet-stream' },
      body: 'raw-bytes',
    });
    const signed = await sign(guest, plain);
    const { host: _host, ...headers } = signed.headers;
    const response = await fetch(`${stack.gateway.endpoint}/v2/a/b`, { method: 'POST', headers, body: signed.body });
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()).toEqual(['s=1; HttpOnly', 't=2']);
    expect(response.headers.get('x-v')).toBe('2');
    const event = received.at(-1) as ApiGatewayV2Event;
    expect(event.pathParameters).toEqual({ proxy: 'a/b' });
    expect(event.routeKey).toBe('POST /v2/{proxy+}');
    expect(event).toMatchObject({ isBase64Encoded: true, body: Buffer.from('raw-bytes').toString('base64') });

    const text = await fetch(`${stack.gateway.endpoint}/v2/text`, { method: 'PATCH' });
    expect(text.status).toBe(200);
    expect(await text.text()).toBe('"hello"');
  });

  it('still requires a signature on AWS_IAM routes without an access table', async () => {
    const response = await send(stack.gateway, request(stack.gateway, 'POST', '/v2/x'));
    expect(response).toEqual({ status: 403, json: { message: 'Missing Authentication Token' } });
  });
});
