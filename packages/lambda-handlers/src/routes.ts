/**
 * Every route of `@devauth/lambda-handlers`, declared once: its method, default path and who may call it. The
 * handlers guard with it, `@devauth/cdk` mounts and grants from it (through `@devauth/lambda-handlers/env`, so a
 * deployment reads it without loading a handler), and the local stack serves it. No import: this is data.
 *
 * Access:
 * - `public`: no IAM (the caller has no credentials yet); throttled by the core.
 * - `me`: AWS_IAM, every role and guests (when the pool allows them).
 * - `account`: AWS_IAM, every signed-in role (not guest): the caller's own account.
 * - `admin`: AWS_IAM, the `admin` role only; the core re-checks the caller's stored role on every call.
 */
export type RouteAccessKind = 'public' | 'me' | 'account' | 'admin';

export interface HandlerRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly access: RouteAccessKind;
}

export const HANDLER_ROUTES = {
  register: { method: 'POST', path: '/auth/register', access: 'public' },
  login: { method: 'POST', path: '/auth/login', access: 'public' },
  guest: { method: 'POST', path: '/auth/guest', access: 'public' },
  refresh: { method: 'POST', path: '/auth/refresh', access: 'public' },
  logout: { method: 'POST', path: '/auth/logout', access: 'public' },
  me: { method: 'GET', path: '/me', access: 'me' },
  passwordForgot: { method: 'POST', path: '/auth/password/forgot', access: 'public' },
  passwordReset: { method: 'POST', path: '/auth/password/reset', access: 'public' },
  changePassword: { method: 'POST', path: '/me/password', access: 'account' },
  deleteAccount: { method: 'DELETE', path: '/me', access: 'account' },
  listSessions: { method: 'GET', path: '/me/sessions', access: 'account' },
  revokeSession: { method: 'DELETE', path: '/me/sessions/{familyId}', access: 'account' },
  revokeOtherSessions: { method: 'POST', path: '/me/sessions/revoke-others', access: 'account' },
  signOutEverywhere: { method: 'DELETE', path: '/me/sessions', access: 'account' },
  verifyEmail: { method: 'POST', path: '/auth/email/verify', access: 'public' },
  changeEmail: { method: 'POST', path: '/me/email', access: 'account' },
  resendEmailVerification: { method: 'POST', path: '/me/email/verification', access: 'account' },
  adminListUsers: { method: 'GET', path: '/admin/users', access: 'admin' },
  adminGetUser: { method: 'GET', path: '/admin/users/{userId}', access: 'admin' },
  adminSetRole: { method: 'PUT', path: '/admin/users/{userId}/role', access: 'admin' },
  adminSetStatus: { method: 'PUT', path: '/admin/users/{userId}/status', access: 'admin' },
  adminDeleteUser: { method: 'DELETE', path: '/admin/users/{userId}', access: 'admin' },
  adminRevokeSessions: { method: 'DELETE', path: '/admin/users/{userId}/sessions', access: 'admin' },
  adminCreateInvitation: { method: 'POST', path: '/admin/invitations', access: 'admin' },
  adminListInvitations: { method: 'GET', path: '/admin/invitations', access: 'admin' },
  adminRevokeInvitation: { method: 'DELETE', path: '/admin/invitations/{invitationId}', access: 'admin' },
} as const satisfies Record<string, HandlerRoute>;

/** A route's name: also its Lambda entry (`src/entries/<name>.ts`) and its function in `@devauth/cdk`. */
export type RouteName = keyof typeof HANDLER_ROUTES;

/** Every route name, in declaration order. */
export const ROUTE_NAMES = Object.keys(HANDLER_ROUTES) as RouteName[];

/** The names of the routes with one kind of access, in declaration order. */
export function routesWithAccess<Kind extends RouteAccessKind>(
  access: Kind,
): Array<{ [Name in RouteName]: (typeof HANDLER_ROUTES)[Name]['access'] extends Kind ? Name : never }[RouteName]> {
  return ROUTE_NAMES.filter((name) => HANDLER_ROUTES[name].access === access) as never;
}
