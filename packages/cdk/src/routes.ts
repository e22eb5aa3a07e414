import { type AccessTable, defineAccessTable, type HttpMethod, type RouteAccess } from '@devauth/access';
import { GUEST_ROLE } from '@devauth/core';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DevauthConstructError, rethrowAs } from './errors.js';

/** The routes of `@devauth/lambda-handlers` (the auth routes, `me` and the account routes), one Lambda function each. */
export const AUTH_ROUTES = [
  'register',
  'login',
  'guest',
  'refresh',
  'logout',
  'me',
  'passwordForgot',
  'passwordReset',
  'changePassword',
  'deleteAccount',
  'listSessions',
  'revokeSession',
  'revokeOtherSessions',
  'signOutEverywhere',
  'verifyEmail',
  'changeEmail',
  'resendEmailVerification',
] as const;
export type AuthRoute = (typeof AUTH_ROUTES)[number];

/**
 * Where each auth route is mounted. The five session routes are public (no IAM: the caller has no credentials yet)
 * and throttled; `GET /me` is behind AWS_IAM like every app route.
 */
export const AUTH_ROUTE_PATHS: Readonly<Record<AuthRoute, { readonly method: HttpMethod; readonly path: string }>> = {
  register: { method: 'POST', path: '/auth/register' },
  login: { method: 'POST', path: '/auth/login' },
  guest: { method: 'POST', path: '/auth/guest' },
  refresh: { method: 'POST', path: '/auth/refresh' },
  logout: { method: 'POST', path: '/auth/logout' },
  me: { method: 'GET', path: '/me' },
  passwordForgot: { method: 'POST', path: '/auth/password/forgot' },
  passwordReset: { method: 'POST', path: '/auth/password/reset' },
  changePassword: { method: 'POST', path: '/me/password' },
  deleteAccount: { method: 'DELETE', path: '/me' },
  listSessions: { method: 'GET', path: '/me/sessions' },
  revokeSession: { method: 'DELETE', path: '/me/sessions/{familyId}' },
  revokeOtherSessions: { method: 'POST', path: '/me/sessions/revoke-others' },
  signOutEverywhere: { method: 'DELETE', path: '/me/sessions' },
  verifyEmail: { method: 'POST', path: '/auth/email/verify' },
  changeEmail: { method: 'POST', path: '/me/email' },
  resendEmailVerification: { method: 'POST', path: '/me/email/verification' },
};

/** Auth routes reached without credentials (throttled like the session routes). */
export const PUBLIC_AUTH_ROUTES: readonly AuthRoute[] = [
  'register',
  'login',
  'guest',
  'refresh',
  'logout',
  'passwordForgot',
  'passwordReset',
  'verifyEmail',
];

/** The signed-in user's own account: AWS_IAM routes open to every role but guest. */
export const ACCOUNT_AUTH_ROUTES: readonly AuthRoute[] = [
  'changePassword',
  'deleteAccount',
  'listSessions',
  'revokeSession',
  'revokeOtherSessions',
  'signOutEverywhere',
  'changeEmail',
  'resendEmailVerification',
];

/**
 * One app route, declared once: the same declaration becomes the API Gateway route (AWS_IAM), a row of the access
 * table (so the identity pool roles' IAM policies), and the table the handler's in-Lambda guard enforces.
 */
export interface DevauthRoute extends RouteAccess {
  /** The function API Gateway invokes for this route (payload v2 on an HTTP API, v1 on a REST API). */
  readonly handler: IFunction;
}

export interface AccessTableOptions {
  /** The known roles besides `guest` (the handlers' `DEVAUTH_ROLES`). */
  readonly roles: readonly string[];
  /** Whether the pool hands out guest identities; if not, no route may list `guest`. */
  readonly allowGuests: boolean;
}

/**
 * The deployment's access table: the app routes plus `GET /me` (open to every role, and to guests when allowed) and
 * the signed-in account routes (ACCOUNT_AUTH_ROUTES: every role but guest).
 * Refuses what the API could not serve as declared: a route on the auth paths, two declarations of one route, or a
 * `guest` route in a pool without guests (the IAM policy would name a role no caller can have).
 */
export function deploymentAccessTable(
  scope: { readonly node: { readonly path: string } },
  routes: readonly DevauthRoute[],
  options: AccessTableOptions,
): AccessTable {
  for (const route of routes) {
    if (
      route.path === '/me' ||
      route.path.startsWith('/me/') ||
      route.path === '/auth' ||
      route.path.startsWith('/auth/')
    ) {
      throw new DevauthConstructError(
        scope.node.path,
        `route "${route.method} ${route.path}" is on a path devauth's own routes use (/auth/*, /me, /me/*).`,
      );
    }
    if (!options.allowGuests && route.roles.includes(GUEST_ROLE)) {
      throw new DevauthConstructError(
        scope.node.path,
        `route "${route.method} ${route.path}" lists "guest", but guests are not allowed (allowGuests: false).`,
      );
    }
  }
  const userRoles = options.roles.filter((role) => role !== GUEST_ROLE);
  const me: RouteAccess = {
    ...AUTH_ROUTE_PATHS.me,
    roles: [...(options.allowGuests ? [GUEST_ROLE] : []), ...userRoles],
  };
  const account = ACCOUNT_AUTH_ROUTES.map((route): RouteAccess => ({ ...AUTH_ROUTE_PATHS[route], roles: userRoles }));
  return rethrowAs(scope, () =>
    defineAccessTable([me, ...account, ...routes.map(({ method, path, roles }) => ({ method, path, roles }))], {
      roles: options.roles,
    }),
  );
}

/** The routes that reach one function (what its guard needs to know), in declaration order. */
export function routesOf(routes: readonly DevauthRoute[], handler: IFunction): RouteAccess[] {
  return routes
    .filter((route) => route.handler === handler)
    .map(({ method, path, roles }) => ({ method, path, roles }));
}

/** The distinct handler functions of the routes, in first-use order. */
export function handlersOf(routes: readonly DevauthRoute[]): IFunction[] {
  return [...new Set(routes.map((route) => route.handler))];
}
