import type { DevauthConfig } from '../domain/config.js';
import {
  AccountDisabledError,
  RefreshTokenInvalidError,
  RefreshTokenReusedError,
  ValidationError,
} from '../domain/errors.js';
import { mintRefreshToken, type RefreshTokenRecord } from '../domain/refresh-token.js';
import { type RefreshInput, refreshInputSchema } from '../domain/schemas.js';
import { digestSecretToken, isSecretTokenShape, REFRESH_TOKEN_PREFIX } from '../domain/secret-token.js';
import { parseInput } from '../domain/validation.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import type { SessionTokens } from './login.use-case.js';
import { publishSafely } from './publish.js';

export interface RefreshSessionDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly broker: IdentityBroker;
  readonly clock: Clock;
  readonly events: EventSink;
}

/**
 * Refresh: trade a refresh token for a fresh OpenID token (same identity, the user's *current* role) and a new
 * refresh token. Tokens rotate: each is good once. A token that comes back after it was rotated means two parties
 * hold it, so the whole family (the login session) is revoked.
 *
 * The broker is called before the rotation is written, so a broker outage leaves the presented token valid for a
 * retry instead of burning it; of concurrent rotations exactly one wins and the others count as reuse.
 *
 * `refreshReuseLeewaySeconds` (default 0, strict) lets a token rotated moments ago be presented again without
 * revoking the family, for clients whose answer was lost on a flaky network; past the leeway it is reuse as usual.
 * A disabled user's refresh answers like an invalid token by default (`revealDisabledAccounts`).
 */
export class RefreshSession {
  constructor(
    private readonly deps: RefreshSessionDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: RefreshInput | unknown): Promise<SessionTokens> {
    const { refreshToken } = parseInput(refreshInputSchema, input);
    if (!isSecretTokenShape(refreshToken, REFRESH_TOKEN_PREFIX)) {
      throw ValidationError.single('refreshToken', 'invalid_format', 'is not a refresh token');
    }
    const now = this.deps.clock.now();
    const tokenHash = digestSecretToken(refreshToken);
    const current = await this.deps.refreshTokens.find(tokenHash);
    if (!current || current.status === 'revoked' || current.expiresAt.getTime() <= now.getTime()) {
      throw new RefreshTokenInvalidError();
    }
    if (current.status === 'rotated' && !this.withinReuseLeeway(current, now)) {
      throw await this.reuseDetected(current, now);
    }

    const user = await this.deps.users.findById(current.userId);
    if (!user) {
      await this.deps.refreshTokens.revokeFamily(current.familyId);
      throw new RefreshTokenInvalidError();
    }
    if (user.status !== 'active') {
      await this.deps.refreshTokens.revokeFamily(current.familyId);
      throw this.config.revealDisabledAccounts ? new AccountDisabledError() : new RefreshTokenInvalidError();
    }

    const exchange = await this.deps.broker.getTokenForUser({
      developerUserId: user.id,
      identityId: user.identityId ?? current.identityId,
      principalTags: { role: user.role },
      tokenDurationSeconds: this.config.tokenDurationSeconds,
    });
    const next = mintRefreshToken({
      familyId: current.familyId,
      userId: user.id,
      identityId: exchange.identityId,
      now,
      ttlSeconds: this.config.refreshTokenTtlSeconds,
      familyExpiresAt: current.familyExpiresAt,
      // The session stays recognisable as the one its owner started.
      clientHint: current.clientHint,
    });
    if (current.status === 'rotated') {
      // A retry within the leeway: its first answer was lost. The session gets another successor beside the one
      // already issued (both stay valid; the family's absolute expiry still bounds them).
      await this.deps.refreshTokens.issue(next.record);
    } else if ((await this.deps.refreshTokens.rotate(tokenHash, next.record)) !== 'rotated') {
      const latest = await this.deps.refreshTokens.find(tokenHash);
      if (latest?.status !== 'rotated' || !this.withinReuseLeeway(latest, now)) {
        throw await this.reuseDetected(current, now);
      }
      await this.deps.refreshTokens.issue(next.record);
    }
    publishSafely(this.deps.events, { type: 'SessionRefreshed', at: now, userId: user.id, familyId: current.familyId });
    return {
      identityId: exchange.identityId,
      openIdToken: exchange.token,
      openIdTokenExpiresAt: exchange.expiresAt,
      role: user.role,
      refreshToken: next.token,
      refreshTokenExpiresAt: next.record.expiresAt,
    };
  }

  /** True when `token` was rotated less than `refreshReuseLeewaySeconds` ago (never with the strict default 0). */
  private withinReuseLeeway(token: RefreshTokenRecord, now: Date): boolean {
    const leewayMs = this.config.refreshReuseLeewaySeconds * 1000;
    if (leewayMs <= 0 || !token.rotatedAt) return false;
    return now.getTime() - token.rotatedAt.getTime() < leewayMs;
  }

  private async reuseDetected(token: RefreshTokenRecord, now: Date): Promise<RefreshTokenReusedError> {
    await this.deps.refreshTokens.revokeFamily(token.familyId);
    publishSafely(this.deps.events, {
      type: 'RefreshTokenReuseDetected',
      at: now,
      userId: token.userId,
      familyId: token.familyId,
    });
    return new RefreshTokenReusedError();
  }
}
