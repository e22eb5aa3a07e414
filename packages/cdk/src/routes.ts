import { type AccessTable, defineAccessTable, type HttpMethod, type RouteAccess } from '@devauth/access';
import { ADMIN_ROLE, GUEST_ROLE } from '@devauth/core';
import { HANDLER_ROUTES, ROUTE_NAMES, type RouteName, routesWithAccess } from '@devauth/lambda-handlers/env';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DevauthConstructError, rethrowAs } from './errors.js';

/*
 * Every route of `@devauth/lambda-handlers` is declared once, in its HANDLER_ROUTES (read through the light
 * `@devauth/lambda-handlers/env` subpath, which loads no handler): the lists below are views of it, so a route the
 * handlers gain is mounted, granted and listed in the access table here without a second table to keep in step.
 */

/** A route of `@devauth/lambda-handlers`: its function's name here, and its bundle (`<route>/index.mjs`). */
export type AuthRoute = RouteName;

/** Every route of `@devauth/lambda-handlers` (auth, `me`, account and admin routes), one Lambda function each. */
export const AUTH_ROUTES: readonly AuthRoute[] = Object.freeze([...ROUTE_NAMES]);

/**
 * Where each route is mounted. The public routes have no IAM (the caller has no credentials yet) and are throttled;
 * `GET /me`, the account routes and the admin routes are behind AWS_IAM like every app route.
 */
export const AUTH_ROUTE_PATHS: Readonly<Record<AuthRoute, { readonly method: HttpMethod; readonly path: string }>> =
  Object.freeze(
    Object.fromEntries(
      AUTH_ROUTES.map((route) => {
        const { method, path } = HANDLER_ROUTES[route];
        return [route, Object.freeze({ method, path })];
      }),
    ) as Record<AuthRoute, { readonly method: HttpMethod; readonly path: string }>,
  );

/** Routes reached without credentials (throttled like the session routes). */
export const PUBLIC_AUTH_ROUTES: readonly AuthRoute[] = Object.freeze(routesWithAccess('public'));

/** The signed-in user's own account: AWS_IAM routes open to every role but guest. */
export const ACCOUNT_AUTH_ROUTES: readonly AuthRoute[] = Object.freeze(routesWithAccess('account'));

/**
 * User and invitation administration: AWS_IAM routes open to the `admin` role only (the handlers' guard and the core
 * check the caller's stored role again on every call). Deployed only when `admin` is one of the configured roles.
 */
export const ADMIN_AUTH_ROUTES: readonly AuthRoute[] = Object.freeze(routesWithAccess('admin'));

/**
 * The first path segments devauth's own routes use (`auth`, `me`, `admin`). An app route under one of them is
 * refused, also when the routes there are not deployed (no guests, no `admin` role): adding them later must not
 * collide with an app route.
 */
const RESERVED_SEGMENTS: readonly string[] = [
  ...new Set(AUTH_ROUTES.map((route) => AUTH_ROUTE_PATHS[route].path.split('/')[1]!)),
];

/** Whether a path is one of devauth's own (`/me`, `/me/...`, `/auth/...`, `/admin/...`). */
export function isReservedPath(path: string): boolean {
  return RESERVED_SEGMENTS.some((segment) => path === `/${segment}` || path.startsWith(`/${segment}/`));
}

/** The settings that decide which of AUTH_ROUTES a deployment has. */
export interface DeployedRoutesOptions {
  /** The known roles besides `guest` (the handlers' `DEVAUTH_ROLES`). */
  readonly roles: readonly string[];
  /** Whether the pool hands out guest identities; if not, no route may list `guest`. */
  readonly allowGuests: boolean;
}

/**
 * The routes a deployment has, in AUTH_ROUTES order: all of them, but `guest` only when the pool allows guests and
 * the admin routes only when `admin` is a configured role. Without that role nobody could ever pass the admin
 * routes' checks (the handlers refuse every caller), so they are left out rather than deployed as functions and IAM
 * statements that can only answer 403; the operator CLI (`@devauth/cli`) still administers users directly.
 */
export function deployedAuthRoutes(options: DeployedRoutesOptions): AuthRoute[] {
  const admin = options.roles.includes(ADMIN_ROLE);
  return AUTH_ROUTES.filter(
    (route) => (route !== 'guest' || options.allowGuests) && (admin || !ADMIN_AUTH_ROUTES.includes(route)),
  );
}

/**
 * One app route, declared once: the same declaration becomes the API Gateway route (AWS_IAM), a row of the access
 * table (so the identity pool roles' IAM policies), and the table the handler's in-Lambda guard enforces.
 */
export interface DevauthRoute extends RouteAccess {
  /** The function API Gateway invokes for this route (payload v2 on an HTTP API, v1 on a REST API). */
  readonly handler: IFunction;
}

export type AccessTableOptions = DeployedRoutesOptions;

/**
 * The deployment's access table: the app routes plus `GET /me` (open to every role, and to guests when allowed), the
 * signed-in account routes (ACCOUNT_AUTH_ROUTES: every role but guest) and, when `admin` is a configured role, the
 * admin routes (ADMIN_AUTH_ROUTES: `admin` only).
 * Refuses what the API could not serve as declared: a route on devauth's own paths (`/auth/*`, `/me`, `/me/*`,
 * `/admin`, `/admin/*`), two declarations of one route, or a `guest` route in a pool without guests (the IAM policy
 * would name a role no caller can have).
 */
export function deploymentAccessTable(
  scope: { readonly node: { readonly path: string } },
  routes: readonly DevauthRoute[],
  options: AccessTableOptions,
): AccessTable {
  for (const route of routes) {
    if (isReservedPath(route.path)) {
      throw new DevauthConstructError(
        scope.node.path,
        `route "${route.method} ${route.path}" is on a path devauth's own routes use ` +
          `(${RESERVED_SEGMENTS.map((segment) => `/${segment}, /${segment}/*`).join(', ')}).`,
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
  const rolesOf = (route: AuthRoute): readonly string[] => {
    if (ADMIN_AUTH_ROUTES.includes(route)) return [ADMIN_ROLE];
    if (ACCOUNT_AUTH_ROUTES.includes(route)) return userRoles;
    return [...(options.allowGuests ? [GUEST_ROLE] : []), ...userRoles];
  };
  // The IAM routes of the handlers, in AUTH_ROUTES order (GET /me first), then the app's.
  const own = deployedAuthRoutes(options)
    .filter((route) => !PUBLIC_AUTH_ROUTES.includes(route))
    .map((route): RouteAccess => ({ ...AUTH_ROUTE_PATHS[route], roles: rolesOf(route) }));
  return rethrowAs(scope, () =>
    defineAccessTable([...own, ...routes.map(({ method, path, roles }) => ({ method, path, roles }))], {
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
