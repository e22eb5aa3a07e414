import type { Devauth } from '@devauth/core';
import { clientHintOf } from '../client-hint.js';
import { assertBodySize, json, readJsonBody } from '../http.js';
import { type Lazy, memoize } from '../lazy.js';
import { type ApiGatewayHandler, createRoute, type EdgeOptions } from './route.js';
import { loginBody, publicUserBody, sessionBody } from './session.js';

/** What the register, login, guest, refresh and logout handlers need. */
export interface AuthRouteDependencies extends EdgeOptions {
  /** The wired core (`createDevauth(...)`), or a function building it on first invocation. */
  readonly devauth: Lazy<Devauth>;
}

/** What the edge knows of the caller (never from the body): the address throttling counts by. */
function callerContext(request: { readonly clientAddress: string | undefined }): { sourceAddress?: string } {
  return request.clientAddress ? { sourceAddress: request.clientAddress } : {};
}

/** POST: `{ username, password, email?, role?, invitationCode? }` → 201 `{ user }`. Rate-limited per address. */
export function createRegisterHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('register', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const user = await (await devauth()).register.execute(input, callerContext(request));
    return json(201, { user: publicUserBody(user) });
  });
}

/**
 * POST: `{ username, password, guestIdentityId?, guestLinkSecret? }` → 200 tokens and user. Throttled by username and
 * client address. A guest identity is upgraded only with the guest link secret the guest route returned for it.
 */
export function createLoginHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('login', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const clientHint = clientHintOf(request.headers['user-agent'], request.clientAddress);
    const result = await (await devauth()).login.execute(input, { ...callerContext(request), clientHint });
    return json(200, loginBody(result));
  });
}

/**
 * POST (no body): a new guest identity → 200 `{ identityId, role: 'guest', guestLinkSecret, guestLinkExpiresAt }`.
 * Rate-limited per client address.
 */
export function createGuestHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('guest', deps, async (request) => {
    assertBodySize(request, request.maxBodyBytes);
    const guest = await (await devauth()).guest.execute(callerContext(request));
    return json(200, {
      identityId: guest.identityId,
      role: guest.role,
      guestLinkSecret: guest.guestLinkSecret,
      guestLinkExpiresAt: guest.guestLinkExpiresAt.toISOString(),
    });
  });
}

/** POST: `{ refreshToken }` → 200 new tokens (the old refresh token is spent). */
export function createRefreshHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('refresh', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    const session = await (await devauth()).refresh.execute(input);
    return json(200, sessionBody(session));
  });
}

/** POST: `{ refreshToken }` → 204; revokes the token's session. */
export function createLogoutHandler(deps: AuthRouteDependencies): ApiGatewayHandler {
  const devauth = memoize(deps.devauth);
  return createRoute('logout', deps, async (request) => {
    const input = readJsonBody(request, request.maxBodyBytes);
    await (await devauth()).logout.execute(input);
    return { statusCode: 204 };
  });
}
