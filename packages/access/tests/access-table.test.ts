import { DEFAULT_ROLES } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCESS_ROLES,
  defineAccessTable,
  EXAMPLE_ACCESS_TABLE,
  isAllowed,
  matchRoute,
  type RouteAccess,
} from '../src/index.js';

describe('defineAccessTable', () => {
  it('accepts the example table and freezes it', () => {
    expect(EXAMPLE_ACCESS_TABLE.routes).toHaveLength(4);
    expect(Object.isFrozen(EXAMPLE_ACCESS_TABLE.routes)).toBe(true);
    expect(Object.isFrozen(EXAMPLE_ACCESS_TABLE.routes[0]?.roles)).toBe(true);
  });

  it('copies its input so later mutation cannot widen access', () => {
    const roles = ['seller'];
    const table = defineAccessTable([{ method: 'POST', path: '/products', roles }]);
    roles.push('guest');
    expect(isAllowed(table, 'POST', '/products', 'guest')).toBe(false);
  });

  it.each<[string, RouteAccess[], RegExp]>([
    ['unknown role', [{ method: 'GET', path: '/a', roles: ['auditor'] }], /unknown role "auditor"/],
    [
      'duplicate route',
      [
        { method: 'GET', path: '/a', roles: ['guest'] },
        { method: 'GET', path: '/a', roles: ['seller'] },
      ],
      /"GET \/a" duplicates "GET \/a"/,
    ],
    [
      'duplicate route with renamed param',
      [
        { method: 'GET', path: '/a/{id}', roles: ['guest'] },
        { method: 'GET', path: '/a/{key}', roles: ['seller'] },
      ],
      /duplicates "GET \/a\/\{id\}"/,
    ],
    ['no leading slash', [{ method: 'GET', path: 'a', roles: ['guest'] }], /must start with "\/"/],
    ['trailing slash', [{ method: 'GET', path: '/a/', roles: ['guest'] }], /empty segments or a trailing slash/],
    ['empty segment', [{ method: 'GET', path: '/a//b', roles: ['guest'] }], /empty segments/],
    ['greedy param', [{ method: 'GET', path: '/{proxy+}', roles: ['guest'] }], /invalid segment "\{proxy\+\}"/],
    ['wildcard literal', [{ method: 'GET', path: '/a*', roles: ['guest'] }], /invalid segment "a\*"/],
    ['repeated param', [{ method: 'GET', path: '/a/{id}/{id}', roles: ['guest'] }], /repeats the parameter/],
    ['unknown method', [{ method: 'TRACE' as 'GET', path: '/a', roles: ['guest'] }], /unknown method/],
    ['no roles', [{ method: 'GET', path: '/a', roles: [] }], /at least one role/],
    ['role twice', [{ method: 'GET', path: '/a', roles: ['seller', 'seller'] }], /role twice/],
  ])('rejects %s', (_name, routes, message) => {
    expect(() => defineAccessTable(routes)).toThrow(message);
  });

  it('allows the same path with different methods', () => {
    expect(() =>
      defineAccessTable([
        { method: 'GET', path: '/a', roles: ['guest'] },
        { method: 'POST', path: '/a', roles: ['seller'] },
      ]),
    ).not.toThrow();
  });

  it('takes custom roles, with guest always known', () => {
    const table = defineAccessTable([{ method: 'GET', path: '/a', roles: ['guest', 'admin'] }], {
      roles: ['admin'],
    });
    expect(table.routes[0]?.roles).toEqual(['guest', 'admin']);
    expect(() => defineAccessTable([{ method: 'GET', path: '/a', roles: ['seller'] }], { roles: ['admin'] })).toThrow(
      /unknown role "seller"/,
    );
    expect(() => defineAccessTable([], { roles: DEFAULT_ROLES })).not.toThrow();
    // Without `roles`: guest and the core's default roles, admin among them (the default deployment's admin routes).
    expect(DEFAULT_ACCESS_ROLES).toEqual(['guest', ...DEFAULT_ROLES]);
    expect(DEFAULT_ACCESS_ROLES).toContain('admin');
    expect(defineAccessTable([{ method: 'GET', path: '/admin/users', roles: ['admin'] }]).routes[0]?.roles).toEqual([
      'admin',
    ]);
    expect(Object.isFrozen(DEFAULT_ACCESS_ROLES)).toBe(true);
    expect(() => defineAccessTable([], { roles: ['Bad Role'] })).toThrow(/role "Bad Role" must match/);
  });
});

describe('matchRoute', () => {
  const table = defineAccessTable([
    { method: 'GET', path: '/', roles: ['guest'] },
    { method: 'GET', path: '/products/{id}', roles: ['guest'] },
    { method: 'GET', path: '/products/new', roles: ['seller'] },
    { method: 'GET', path: '/shops/{shopId}/products/{productId}', roles: ['shopper'] },
  ]);

  it('extracts params', () => {
    const match = matchRoute(table, 'GET', '/shops/s1/products/p%202');
    expect(match?.route.path).toBe('/shops/{shopId}/products/{productId}');
    expect(match?.params).toEqual({ shopId: 's1', productId: 'p 2' });
  });

  it('prefers a literal segment over a param, whatever the table order', () => {
    expect(matchRoute(table, 'GET', '/products/new')?.route.path).toBe('/products/new');
    expect(matchRoute(table, 'GET', '/products/7')).toEqual({
      route: table.routes[1],
      params: { id: '7' },
    });
  });

  it('matches the root and methods case-insensitively', () => {
    expect(matchRoute(table, 'get', '/')?.route.path).toBe('/');
  });

  it('returns undefined for unknown routes, extra segments, empty params and wrong methods', () => {
    expect(matchRoute(table, 'GET', '/nope')).toBeUndefined();
    expect(matchRoute(table, 'GET', '/products/7/extra')).toBeUndefined();
    expect(matchRoute(table, 'GET', '/products/')).toBeUndefined();
    expect(matchRoute(table, 'POST', '/products/7')).toBeUndefined();
    expect(matchRoute(table, 'GET', 'products/7')).toBeUndefined();
  });

  it('keeps a malformed percent-encoding raw rather than throwing', () => {
    expect(matchRoute(table, 'GET', '/products/%E0%A4%A')?.params).toEqual({ id: '%E0%A4%A' });
  });
});

describe('isAllowed', () => {
  it('follows the table and denies unknown routes', () => {
    expect(isAllowed(EXAMPLE_ACCESS_TABLE, 'GET', '/products', 'guest')).toBe(true);
    expect(isAllowed(EXAMPLE_ACCESS_TABLE, 'POST', '/products', 'shopper')).toBe(false);
    expect(isAllowed(EXAMPLE_ACCESS_TABLE, 'DELETE', '/products/9', 'seller')).toBe(true);
    expect(isAllowed(EXAMPLE_ACCESS_TABLE, 'GET', '/orders', 'guest')).toBe(false);
    expect(isAllowed(EXAMPLE_ACCESS_TABLE, 'GET', '/admin', 'seller')).toBe(false);
  });

  it('validates a hand-built table on first use', () => {
    const table = { routes: [{ method: 'GET' as const, path: '/x/{id}', roles: ['guest'] }] };
    expect(isAllowed(table, 'GET', '/x/1', 'guest')).toBe(true);
    expect(() =>
      isAllowed({ routes: [{ method: 'GET', path: 'bad', roles: ['guest'] }] }, 'GET', '/', 'guest'),
    ).toThrow(/must start with/);
  });
});
