import type { AccessTable } from '@devauth/access';
import { DEFAULT_ROLES } from '@devauth/core';
import { type Caller, createGuard } from '../access/guard.js';
import { HttpError } from '../http-errors.js';
import { type Lazy, memoize } from '../lazy.js';
import { HANDLER_ROUTES, type RouteName } from '../routes.js';
import type { MeDependencies } from './me.js';
import type { RouteRequest } from './route.js';

/** A caller the guard resolved to a stored, active user. */
export type SignedInCaller = Extract<Caller, { kind: 'user' }>;

/** Checks the caller of one request against one route template (`{ method, path }` as the table lists it). */
export type SignedInCallerCheck = (
  request: RouteRequest,
  route: { readonly method: string; readonly path: string },
) => Promise<SignedInCaller>;

const forbidden = () => new HttpError(403, 'FORBIDDEN', 'This identity may not use this API.');

/**
 * The signed-in user behind an AWS_IAM request, resolved by the guard as `me` resolves it (the identity pool, the
 * user store), against the table `tableFor` builds from the configured roles: 401 without a Cognito IAM identity of
 * this pool, 403 for a guest, an identity with no active user, or a role the route does not list.
 *
 * The route is passed by its template, not read from the event, so a route mounted on another path is checked the
 * same. No cache: a password change, a deletion or a demotion must see the user as it is now. The guard and the table
 * are built on the first request (from `me`, which may itself be lazy) and kept while the environment stays warm.
 */
export function signedInCaller(
  me: Lazy<MeDependencies>,
  tableFor: (roles: readonly string[]) => AccessTable,
): SignedInCallerCheck {
  const resolve = memoize(async () => {
    const deps = await memoize(me)();
    return createGuard({
      table: tableFor(deps.roles ?? DEFAULT_ROLES),
      users: deps.users,
      identityPoolId: deps.identityPoolId,
      cacheTtlSeconds: 0,
    });
  });
  return async (request, route) => {
    const decision = await (await resolve()).authorize(request.event, route);
    if (!decision.allowed) {
      throw decision.statusCode === 401
        ? new HttpError(401, 'UNAUTHENTICATED', 'The request is not signed by a Cognito identity.')
        : forbidden();
    }
    if (decision.caller.kind !== 'user') throw forbidden();
    return decision.caller;
  };
}

/** A route's method and default path, as its row of HANDLER_ROUTES declares them (the template a guard checks). */
export type RouteTemplate<Name extends RouteName> = {
  readonly method: (typeof HANDLER_ROUTES)[Name]['method'];
  readonly path: (typeof HANDLER_ROUTES)[Name]['path'];
};

/** The templates of some routes, by name, read from HANDLER_ROUTES (the one place their paths are written). */
export function routeTemplates<const Names extends readonly RouteName[]>(
  names: Names,
): { readonly [Name in Names[number]]: RouteTemplate<Name> } {
  const entries = names.map((name) => {
    const { method, path } = HANDLER_ROUTES[name];
    return [name, Object.freeze({ method, path })] as const;
  });
  return Object.freeze(Object.fromEntries(entries)) as never;
}
