import type { DevauthConfig } from '../domain/config.js';
import { type ClientHint, mintRefreshToken } from '../domain/refresh-token.js';
import type { UserRecord } from '../domain/user.js';
import type { IdGenerator } from '../ports/id-generator.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { SessionTokens } from './login.use-case.js';

export interface StartSessionDependencies {
  readonly refreshTokens: RefreshTokenStore;
  readonly broker: IdentityBroker;
  readonly ids: IdGenerator;
}

/**
 * A new session for a user who proved their password on a signed-in route (a password change): an OpenID token for
 * the user's linked identity with the current role tag, and a new refresh-token family.
 */
export async function startSession(
  deps: StartSessionDependencies,
  user: UserRecord & { readonly identityId: string },
  now: Date,
  config: DevauthConfig,
  clientHint: ClientHint | null = null,
): Promise<SessionTokens> {
  const exchange = await deps.broker.getTokenForUser({
    developerUserId: user.id,
    identityId: user.identityId,
    principalTags: { role: user.role },
    tokenDurationSeconds: config.tokenDurationSeconds,
  });
  const refresh = mintRefreshToken({
    familyId: deps.ids.newId(),
    userId: user.id,
    identityId: exchange.identityId,
    now,
    ttlSeconds: config.refreshTokenTtlSeconds,
    familyExpiresAt: new Date(now.getTime() + config.sessionMaxAgeSeconds * 1000),
    clientHint,
  });
  await deps.refreshTokens.issue(refresh.record);
  return {
    identityId: exchange.identityId,
    openIdToken: exchange.token,
    openIdTokenExpiresAt: exchange.expiresAt,
    role: user.role,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.record.expiresAt,
  };
}
