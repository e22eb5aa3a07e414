import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCanonicalPath } from '../../src/gateway/routes.js';
import { allowedHostNames, hostName, isAllowedHost } from '../../src/host-check.js';
import { type Stack, startStack } from './helpers.js';

describe('isCanonicalPath', () => {
  it.each([
    '/',
    '/products',
    '/products/',
    '/products/1',
    '/files/v1.2/a.b',
    '/files/...',
    '/files/%2e%2e%2e',
    '/a%2Fb',
  ])('routes %s', (path) => {
    expect(isCanonicalPath(path)).toBe(true);
  });

  it.each([
    '/.',
    '/..',
    '/a/./b',
    '/a/../b',
    '/a/%2e/b',
    '/a/%2E%2e/b',
    '/a/.%2e',
    '/a/%2e%2e%2fb',
    '/a/..%5cb',
    '//a',
    '/a//b',
    '/a//',
    'a/b',
    '*',
    '',
  ])('refuses %j', (path) => {
    expect(isCanonicalPath(path)).toBe(false);
  });
});

describe('host names', () => {
  it('parses name, name:port, [v6] and [v6]:port, lower-cased', () => {
    expect(hostName('LocalHost:4566')).toBe('localhost');
    expect(hostName('127.0.0.1')).toBe('127.0.0.1');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('[::1]')).toBe('::1');
    for (const malformed of ['', 'a b', 'user@localhost', 'localhost:port', '::1', '[::1', 'localhost:123456', 'a/b']) {
      expect(hostName(malformed), malformed).toBeUndefined();
    }
  });

  it('allows the loopback names, the listening address (not a wildcard) and the extra names', () => {
    expect([...allowedHostNames('127.0.0.1')].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
    expect(allowedHostNames('[::1]').has('::1')).toBe(true);
    expect(allowedHostNames('192.168.1.20').has('192.168.1.20')).toBe(true);
    expect(allowedHostNames('0.0.0.0').has('0.0.0.0')).toBe(false);
    expect(allowedHostNames('::').has('::')).toBe(false);
    expect(allowedHostNames('127.0.0.1', ['Dev.Example', '[fd00::1]']).has('dev.example')).toBe(true);
    expect(allowedHostNames('127.0.0.1', ['[fd00::1]']).has('fd00::1')).toBe(true);
  });

  it('needs exactly one well-formed Host line with an allowed name', () => {
    const allowed = allowedHostNames('127.0.0.1');
    expect(isAllowedHost(['localhost:1'], allowed)).toBe(true);
    expect(isAllowedHost(undefined, allowed)).toBe(false);
    expect(isAllowedHost([], allowed)).toBe(false);
    expect(isAllowedHost(['localhost', 'localhost'], allowed)).toBe(false);
    expect(isAllowedHost(['localhost.'], allowed)).toBe(false);
    expect(isAllowedHost(['127.0.0.2'], allowed)).toBe(false);
  });
});

describe('the gateway with allowedHosts', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ allowedHosts: ['api.devauth.test'] });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const get = (path: string, host: string) =>
    new Promise<{ status: number; body: string; type: string | undefined }>((resolve, reject) => {
      const outgoing = request(
        { host: '127.0.0.1', port: stack.gateway.port, path, headers: { host }, agent: false },
        (incoming) => {
          let body = '';
          incoming.setEncoding('utf8');
          incoming.on('data', (chunk: string) => {
            body += chunk;
          });
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              body,
              type: incoming.headers['x-amzn-errortype'] as string | undefined,
            }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });

  it('serves the listed name as well as the loopback names, and refuses others with 403 Forbidden', async () => {
    expect((await get('/health', 'api.devauth.test')).status).toBe(200);
    expect((await get('/health', `localhost:${stack.gateway.port}`)).status).toBe(200);
    expect(await get('/health', 'other.devauth.test')).toEqual({
      status: 403,
      body: '{"message":"Forbidden"}',
      type: 'ForbiddenException',
    });
  });

  it('answers the Host check before the path check, and the path check before routing', async () => {
    expect((await get('/nowhere/../health', 'evil.example')).status).toBe(403);
    expect(await get('/nowhere/../health', 'localhost')).toEqual({
      status: 400,
      body: '{"message":"Bad Request"}',
      type: 'BadRequestException',
    });
    expect((await get('/nowhere', 'localhost')).status).toBe(404);
  });
});
