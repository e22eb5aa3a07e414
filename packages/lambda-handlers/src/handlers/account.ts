import { defineAccessTable } from '@devauth/access';
import type { SessionInfo } from '@devauth/core';
import { clientHintOf } from '../client-hint.js';
import { json, readEmptyBody, readJsonBody } from '../http.js';
import { type Lazy, memoize } from '../lazy.js';
import { routesWithAccess } from '../routes.js';
import type { AuthRouteDependencies } from './auth.js';
import type { MeDependencies } from './me.js';
import { pathParameterOf } from './request-parts.js';
import { type ApiGatewayHandler, createRoute, type RouteRequest } from './route.js';
import { publicUserBody, sessionBody } from './session.js';
import { routeTemplates, signedInCaller } from './signed-in.js';

type SignedAccountRouteName = ReturnType<typeof routesWithAccess<'account'>>[number];

/** The account routes behind AWS_IAM, for a signed-in user (every role but guest): HANDLER_ROUTES' `account` rows. */
export const SIGNED_ACCOUNT_ROUTES: readonly SignedAccountRouteName[] = Object.freeze(routesWithAccess('account'));

/**
 * Where the account routes are mounted by default (and the route templates the signed-in ones are checked against,
 * whatever path they are mounted on): the public account routes and the signed-in ones, as HANDLER_ROUTES declares
 * them.
 */
export const ACCOUNT_ROUTES = routeTemplates([
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
] as const satisfies readonly (SignedAccountRouteName | 'passwordForgot' | 'passwordReset' | 'verifyEmail')[]);

export interface SignedInRouteDependencies extends AuthRouteDependencies {
  /** How callers are resolved (the identity pool, the user lookup): as for `me`. */
  readonly me: Lazy<MeDependencies>;
}

const callerAddress = (request: RouteRequest) =>
  request.clientAddress ? { sourceAddress: request.clientAddress } : {};

/**
 * POST: `{ username }` → 202 `{ status: 'accepted' }`, always the same answer (whether the account exists or not;
 * the core waits out a response floor). Throttled per account and per client address (429).
 */
export function createPasswordForgotHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('passwordForgot', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    await (await devauth()).requestPasswordReset.execute(input, callerAddress(request));
    return json(202, { status: 'accepted' });
  });
}

/** POST: `{ token, newPassword }` → 204; every session and the Cognito link of the account are revoked. */
export function createPasswordResetHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('passwordReset', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    await (await devauth()).completePasswordReset.execute(input);
    return { statusCode: 204 };
  });
}

/**
 * POST: `{ token }` (from the verification message) → 200 `{ user }`: the address the token was sent to is now the
 * account's, verified. Unauthenticated (the link may be opened on another device); the token is single-use.
 */
export function createVerifyEmailHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('verifyEmail', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const user = await (await devauth()).verifyEmail.execute(input);
    return json(200, { user: publicUserBody(user) });
  });
}

/** The signed-in caller of an account route: every configured role may manage its own account. */
function accountCaller(deps: SignedInRouteDependencies) {
  return signedInCaller(deps.me, (roles) =>
    defineAccessTable(
      SIGNED_ACCOUNT_ROUTES.map((name) => ({ ...ACCOUNT_ROUTES[name], roles: [...roles] })),
      { roles },
    ),
  );
}

/**
 * POST behind AWS_IAM: `{ currentPassword, newPassword }` → 200 `{ revokedSessions, ...tokens }`: every session of
 * the user is signed out, the caller's included, and the caller continues on the new session in the answer.
 */
export function createChangePasswordHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('changePassword', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const user = await caller(request, ACCOUNT_ROUTES.changePassword);
    const result = await (await devauth()).changePassword.execute(input, {
      userId: user.userId,
      ...callerAddress(request),
      clientHint: clientHintOf(request.headers['user-agent'], request.clientAddress),
    });
    return json(200, {
      revokedSessions: result.revokedSessions,
      ...(result.session ? sessionBody(result.session) : {}),
    });
  });
}

/** DELETE behind AWS_IAM: `{ password }` → 204; the account and everything stored with it are removed. */
export function createDeleteAccountHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('deleteAccount', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const user = await caller(request, ACCOUNT_ROUTES.deleteAccount);
    await (await devauth()).deleteAccount.execute(input, { userId: user.userId, ...callerAddress(request) });
    return { statusCode: 204 };
  });
}

/**
 * POST behind AWS_IAM: `{ password, newEmail }` → 202 `{ sentTo }`: a verification message went to the new address;
 * the account's address changes only when its link is followed (verifyEmail). The password is re-checked like a
 * login's (same throttle).
 */
export function createChangeEmailHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('changeEmail', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const user = await caller(request, ACCOUNT_ROUTES.changeEmail);
    const result = await (await devauth()).changeEmail.execute(input, {
      userId: user.userId,
      ...callerAddress(request),
    });
    return json(202, { sentTo: result.sentTo });
  });
}

/**
 * POST behind AWS_IAM, no body → 202 `{ sentTo }` (a new verification message to the current address), or 200
 * `{ alreadyVerified: true }` (nothing sent). Counted per account (429 over the limit).
 */
export function createResendEmailVerificationHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('resendEmailVerification', deps, async (request) => {
    readEmptyBody(request, request.maxBodyBytes);
    const user = await caller(request, ACCOUNT_ROUTES.resendEmailVerification);
    const result = await (await devauth()).resendEmailVerification.execute({
      userId: user.userId,
      ...callerAddress(request),
    });
    return 'alreadyVerified' in result ? json(200, { alreadyVerified: true }) : json(202, { sentTo: result.sentTo });
  });
}

/** JSON shape of a session (no token: only what lets its owner recognise it). */
function sessionInfoBody(session: SessionInfo) {
  return {
    id: session.familyId,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    client: session.clientHint,
  };
}

/** GET behind AWS_IAM → 200 `{ sessions: [{ id, createdAt, lastUsedAt, expiresAt, client }] }`, newest use first. */
export function createListSessionsHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('listSessions', deps, async (request) => {
    const user = await caller(request, ACCOUNT_ROUTES.listSessions);
    const sessions = await (await devauth()).sessions.list({ userId: user.userId });
    return json(200, { sessions: sessions.map(sessionInfoBody) });
  });
}

/** DELETE behind AWS_IAM → 204: that session ends; 404 SESSION_NOT_FOUND for one that is not the caller's. */
export function createRevokeSessionHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('revokeSession', deps, async (request) => {
    const user = await caller(request, ACCOUNT_ROUTES.revokeSession);
    const familyId = pathParameterOf(request, ACCOUNT_ROUTES.revokeSession.path, 'familyId');
    await (await devauth()).sessions.revoke(familyId, { userId: user.userId });
    return { statusCode: 204 };
  });
}

/** POST behind AWS_IAM: `{ refreshToken }` (the session to keep) → 200 `{ revoked }`: every other session ends. */
export function createRevokeOtherSessionsHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('revokeOtherSessions', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const user = await caller(request, ACCOUNT_ROUTES.revokeOtherSessions);
    return json(200, await (await devauth()).sessions.revokeOthers(input, { userId: user.userId }));
  });
}

/** DELETE behind AWS_IAM → 200 `{ revoked }`: every session of the user ends (sign out everywhere). */
export function createSignOutEverywhereHandler(deps: SignedInRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  const caller = accountCaller(deps);
  return createRoute('signOutEverywhere', deps, async (request) => {
    const user = await caller(request, ACCOUNT_ROUTES.signOutEverywhere);
    return json(200, await (await devauth()).sessions.revokeAll({ userId: user.userId }));
  });
}
