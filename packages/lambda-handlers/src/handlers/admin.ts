import { type AccessTable, defineAccessTable } from '@devauth/access';
import { ADMIN_ROLE, type AdminActor, type InvitationSummary, parseInput } from '@devauth/core';
import * as z from 'zod';
import { json, readEmptyBody, readJsonBody } from '../http.js';
import { memoize } from '../lazy.js';
import { routesWithAccess } from '../routes.js';
import type { SignedInRouteDependencies } from './account.js';
import { integerParameter, pathParameterOf, queryParametersOf } from './request-parts.js';
import { type ApiGatewayHandler, createRoute, type RouteRequest } from './route.js';
import { publicUserBody } from './session.js';
import { routeTemplates, type SignedInCallerCheck, signedInCaller } from './signed-in.js';

/** The admin routes: HANDLER_ROUTES' `admin` rows. */
export const ADMIN_ROUTE_NAMES = Object.freeze(routesWithAccess('admin'));

/** Where the admin routes are mounted by default, and the templates their callers are checked against. */
export const ADMIN_ROUTES = routeTemplates([
  'adminListUsers',
  'adminGetUser',
  'adminSetRole',
  'adminSetStatus',
  'adminDeleteUser',
  'adminRevokeSessions',
  'adminCreateInvitation',
  'adminListInvitations',
  'adminRevokeInvitation',
] as const satisfies readonly (typeof ADMIN_ROUTE_NAMES)[number][]);

/** `PUT /admin/users/{userId}/role`: the role to give (any configured one; the core checks which exist). */
export const adminSetRoleBodySchema = z.strictObject({ role: z.string().min(1).max(64) });
/** `PUT /admin/users/{userId}/status`: `disabled` ends the user's sessions at once, `active` enables it again. */
export const adminSetStatusBodySchema = z.strictObject({ status: z.enum(['active', 'disabled']) });

/**
 * The guard's table for the admin routes: the `admin` role only. A deployment whose configured roles lack `admin` has
 * no administrator, so it gets an empty table (every admin route refused, 403) instead of a row naming a role the
 * table does not know, which defineAccessTable would refuse by throwing on the first request.
 */
export function adminAccessTable(roles: readonly string[]): AccessTable {
  if (!roles.includes(ADMIN_ROLE)) return defineAccessTable([], { roles });
  return defineAccessTable(
    ADMIN_ROUTE_NAMES.map((name) => ({ ...ADMIN_ROUTES[name], roles: [ADMIN_ROLE] })),
    { roles },
  );
}

/**
 * The administrator calling an admin route, as the core's actor. The guard is the first in-Lambda check (after IAM's
 * check of the role tag): it reads the caller's stored role and status on every request (no cache, so a demoted or
 * disabled administrator is refused at once). The core checks the actor again, by its stored record, on every call:
 * a caller that got past this edge by any other way is still refused (ADMIN_REQUIRED, 403). The actor is only ever
 * the user the signed identity resolved to, never anything in the request.
 */
function adminActor(check: SignedInCallerCheck) {
  return async (request: RouteRequest, route: { readonly method: string; readonly path: string }) => {
    const caller = await check(request, route);
    return { kind: 'user', userId: caller.userId } satisfies AdminActor;
  };
}

function adminCaller(deps: SignedInRouteDependencies) {
  return adminActor(signedInCaller(deps.me, adminAccessTable));
}

const userIdOf = (request: RouteRequest, route: { readonly path: string }) =>
  // An absent id reaches the core as '' and is refused there (400 on `userId`), like any invalid one.
  pathParameterOf(request, route.path, 'userId') ?? '';

/** JSON shape of an invitation in a listing: never its code (only its creator ever sees that, once). */
function invitationSummaryBody(invitation: InvitationSummary) {
  return {
    id: invitation.id,
    role: invitation.role,
    status: invitation.status,
    createdAt: invitation.createdAt.toISOString(),
    expiresAt: invitation.expiresAt.toISOString(),
    usedAt: invitation.usedAt?.toISOString() ?? null,
  };
}

/**
 * GET, query `usernamePrefix`, `email`, `role`, `status`, `cursor`, `limit` (1..100, default 50) → 200
 * `{ users: [user], nextCursor }` in username order; pass `nextCursor` back with the same filters for the next page
 * (null at the end; a page may be short before the end).
 */
export function createAdminListUsersHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminListUsers', deps, async (request) => {
    readEmptyBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminListUsers);
    const input = integerParameter(queryParametersOf(request), 'limit');
    const page = await (await devauth()).admin.listUsers(actor, input);
    return json(200, { users: page.users.map(publicUserBody), nextCursor: page.nextCursor });
  });
}

/** GET → 200 `{ user }`; 404 USER_NOT_FOUND. */
export function createAdminGetUserHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminGetUser', deps, async (request) => {
    readEmptyBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminGetUser);
    const user = await (await devauth()).admin.getUser(actor, userIdOf(request, ADMIN_ROUTES.adminGetUser));
    return json(200, { user: publicUserBody(user) });
  });
}

/**
 * PUT `{ role }` → 200 `{ user }`. A change ends the user's sessions and unlinks its Cognito login (credentials
 * already issued carry the old role tag); 409 ADMIN_SELF_CHANGE for an administrator's own role.
 */
export function createAdminSetRoleHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminSetRole', deps, async (request) => {
    const body = readJsonBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminSetRole);
    const { role } = parseInput(adminSetRoleBodySchema, body);
    const user = await (await devauth()).admin.setRole(actor, userIdOf(request, ADMIN_ROUTES.adminSetRole), role);
    return json(200, { user: publicUserBody(user) });
  });
}

/**
 * PUT `{ status }` → 200 `{ user }`. `disabled` ends the user's sessions at once; 409 ADMIN_SELF_CHANGE for an
 * administrator's own account.
 */
export function createAdminSetStatusHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminSetStatus', deps, async (request) => {
    const body = readJsonBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminSetStatus);
    const { status } = parseInput(adminSetStatusBodySchema, body);
    const userId = userIdOf(request, ADMIN_ROUTES.adminSetStatus);
    const user = await (await devauth()).admin.setStatus(actor, userId, status);
    return json(200, { user: publicUserBody(user) });
  });
}

/** DELETE → 204: the account and everything stored with it, as the user's own deletion; 409 for one's own account. */
export function createAdminDeleteUserHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminDeleteUser', deps, async (request) => {
    readEmptyBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminDeleteUser);
    await (await devauth()).admin.deleteUser(actor, userIdOf(request, ADMIN_ROUTES.adminDeleteUser));
    return { statusCode: 204 };
  });
}

/** DELETE → 200 `{ revokedSessions }`: every session of the user ends and its Cognito login is unlinked. */
export function createAdminRevokeSessionsHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminRevokeSessions', deps, async (request) => {
    readEmptyBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminRevokeSessions);
    const userId = userIdOf(request, ADMIN_ROUTES.adminRevokeSessions);
    const { revokedSessions } = await (await devauth()).admin.revokeSessions(actor, userId);
    return json(200, { revokedSessions });
  });
}

/**
 * POST `{ role, ttlSeconds? }` → 201 `{ invitation: { id, code, role, expiresAt } }`. The code is in this answer
 * only (the store keeps its digest, which is the `id`): give it to the invitee, who registers with it.
 */
export function createAdminCreateInvitationHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminCreateInvitation', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminCreateInvitation);
    const invitation = await (await devauth()).admin.createInvitation(actor, input);
    return json(201, {
      invitation: {
        id: invitation.id,
        code: invitation.code,
        role: invitation.role,
        expiresAt: invitation.expiresAt.toISOString(),
      },
    });
  });
}

/**
 * GET, query `cursor`, `limit` → 200 `{ invitations: [{ id, role, status, createdAt, expiresAt, usedAt }],
 * nextCursor }`, newest first, used and expired ones included. Never a code.
 */
export function createAdminListInvitationsHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminListInvitations', deps, async (request) => {
    readEmptyBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminListInvitations);
    const input = integerParameter(queryParametersOf(request), 'limit');
    const page = await (await devauth()).admin.listInvitations(actor, input);
    return json(200, { invitations: page.invitations.map(invitationSummaryBody), nextCursor: page.nextCursor });
  });
}

/** DELETE → 204: the invitation can no longer be used; 404 INVITATION_NOT_FOUND. */
export function createAdminRevokeInvitationHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const admin = adminCaller(deps);
  return createRoute('adminRevokeInvitation', deps, async (request) => {
    readEmptyBody(request, request.maxBodyBytes);
    const actor = await admin(request, ADMIN_ROUTES.adminRevokeInvitation);
    const id = pathParameterOf(request, ADMIN_ROUTES.adminRevokeInvitation.path, 'invitationId') ?? '';
    await (await devauth()).admin.revokeInvitation(actor, id);
    return { statusCode: 204 };
  });
}
