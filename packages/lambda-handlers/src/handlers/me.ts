import { defineAccessTable } from '@devauth/access';
import { DEFAULT_ROLES, GUEST_ROLE, toPublicUser, type UserStore } from '@devauth/core';
import { createGuard, type Guard } from '../access/guard.js';
import { json } from '../http.js';
import { HttpError } from '../http-errors.js';
import { type Lazy, memoize } from '../lazy.js';
import { type ApiGatewayHandler, createRoute, type EdgeOptions } from './route.js';
import { publicUserBody } from './session.js';

export interface MeDependencies {
  /** Resolves callers (`findByIdentityId`, through the guard) and reads the user (`findById`). */
  readonly users: Pick<UserStore, 'findById' | 'findByIdentityId'>;
  /** IAM identities of any other pool are refused (401). Required: without it any pool's identity would do. */
  readonly identityPoolId: string;
  /** The configured roles (default: the core's). Every role, and guests, may ask who they are. */
  readonly roles?: readonly string[];
  /** Guard cache of identity lookups, in seconds (default 30). */
  readonly cacheTtlSeconds?: number;
}

export interface MeRouteDependencies extends EdgeOptions {
  readonly me: Lazy<MeDependencies>;
}

/** The route template `me` is checked against: callers are resolved the same way whatever path it is mounted on. */
const ME_ROUTE = { method: 'GET', path: '/me' } as const;

/**
 * GET behind AWS_IAM: who the signed caller is, `{ kind, role, identityId, user? }`. API Gateway has verified the
 * signature; the access module's guard resolves the identity to a user from the store (role and status current to
 * within its cache TTL). 401 without a Cognito IAM identity, 403 for an identity with no active user.
 */
export function createMeHandler(deps: MeRouteDependencies): ApiGatewayHandler {
  const resolve = memoize(async () => {
    const me = await memoize(deps.me)();
    const roles = me.roles ?? DEFAULT_ROLES;
    const table = defineAccessTable([{ ...ME_ROUTE, roles: [GUEST_ROLE, ...roles] }], { roles });
    const guard: Guard = createGuard({
      table,
      users: me.users,
      identityPoolId: me.identityPoolId,
      ...(me.cacheTtlSeconds !== undefined ? { cacheTtlSeconds: me.cacheTtlSeconds } : {}),
    });
    return { guard, users: me.users };
  });
  return createRoute('me', deps, async (request) => {
    const { guard, users } = await resolve();
    const decision = await guard.authorize(request.event, ME_ROUTE);
    if (!decision.allowed) {
      throw decision.statusCode === 401
        ? new HttpError(401, 'UNAUTHENTICATED', 'The request is not signed by a Cognito identity.')
        : new HttpError(403, 'FORBIDDEN', 'This identity may not use this API.');
    }
    const { caller } = decision;
    if (caller.kind === 'guest') return json(200, { kind: 'guest', role: caller.role, identityId: caller.identityId });
    const user = await users.findById(caller.userId);
    if (user?.status !== 'active') throw new HttpError(403, 'FORBIDDEN', 'This identity may not use this API.');
    return json(200, {
      kind: 'user',
      role: user.role,
      identityId: caller.identityId,
      user: publicUserBody(toPublicUser(user)),
    });
  });
}
