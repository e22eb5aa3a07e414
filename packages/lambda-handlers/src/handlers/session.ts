import type { LoginResult, PublicUser, SessionTokens } from '@devauth/core';

/** JSON shape of a public user (dates as ISO strings). */
export function publicUserBody(user: PublicUser) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    role: user.role,
    identityId: user.identityId,
    status: user.status,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** JSON shape of the tokens of a login or a refresh. */
export function sessionBody(session: SessionTokens) {
  return {
    identityId: session.identityId,
    openIdToken: session.openIdToken,
    openIdTokenExpiresAt: session.openIdTokenExpiresAt.toISOString(),
    role: session.role,
    refreshToken: session.refreshToken,
    refreshTokenExpiresAt: session.refreshTokenExpiresAt.toISOString(),
  };
}

export function loginBody(result: LoginResult) {
  return { ...sessionBody(result), user: publicUserBody(result.user) };
}
