import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAuthHandlers } from '../src/app.js';
import { HANDLER_ROUTES, ROUTE_NAMES, routesWithAccess } from '../src/env.js';
import { ACCOUNT_ROUTES, SIGNED_ACCOUNT_ROUTES } from '../src/handlers/account.js';
import { ADMIN_ROUTE_NAMES, ADMIN_ROUTES } from '../src/handlers/admin.js';
import { generateOpenApi } from '../src/openapi.js';

describe('HANDLER_ROUTES, the one declaration of the routes', () => {
  it('has one handler and one Lambda entry per route, and nothing else', () => {
    const handlers = createAuthHandlers({
      devauth: () => {
        throw new Error('not built in this test');
      },
    });
    expect(Object.keys(handlers).sort()).toEqual([...ROUTE_NAMES].sort());
    const entries = readdirSync(new URL('../src/entries/', import.meta.url))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.slice(0, -'.ts'.length))
      .filter((entry) => entry !== 'migrate');
    expect(entries.sort()).toEqual([...ROUTE_NAMES].sort());
  });

  it('is what ACCOUNT_ROUTES, SIGNED_ACCOUNT_ROUTES and ADMIN_ROUTES are read from', () => {
    for (const [name, route] of Object.entries({ ...ACCOUNT_ROUTES, ...ADMIN_ROUTES })) {
      const declared = HANDLER_ROUTES[name as keyof typeof HANDLER_ROUTES];
      expect(route).toEqual({ method: declared.method, path: declared.path });
    }
    // The public list keeps its members (and order) from before it was derived.
    expect(SIGNED_ACCOUNT_ROUTES).toEqual([
      'changePassword',
      'deleteAccount',
      'listSessions',
      'revokeSession',
      'revokeOtherSessions',
      'signOutEverywhere',
      'changeEmail',
      'resendEmailVerification',
    ]);
    expect(SIGNED_ACCOUNT_ROUTES).toEqual(routesWithAccess('account'));
    expect(Object.keys(ACCOUNT_ROUTES).sort()).toEqual(
      [...SIGNED_ACCOUNT_ROUTES, 'passwordForgot', 'passwordReset', 'verifyEmail'].sort(),
    );
    expect(Object.keys(ADMIN_ROUTES).sort()).toEqual([...ADMIN_ROUTE_NAMES].sort());
    expect(Object.isFrozen(SIGNED_ACCOUNT_ROUTES) && Object.isFrozen(ACCOUNT_ROUTES.changePassword)).toBe(true);
  });

  it('is documented route by route: each operation of the OpenAPI document sits at its method and path', () => {
    const doc = generateOpenApi() as { paths: Record<string, Record<string, { operationId: string }>> };
    for (const name of ROUTE_NAMES) {
      const { method, path } = HANDLER_ROUTES[name];
      expect(doc.paths[path]?.[method.toLowerCase()]?.operationId, `${method} ${path}`).toBe(name);
    }
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(operations.sort()).toEqual([...ROUTE_NAMES].sort());
  });
});
