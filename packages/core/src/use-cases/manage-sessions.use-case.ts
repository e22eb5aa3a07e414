import { SessionNotFoundError } from '../domain/errors.js';
import type { SessionInfo } from '../domain/refresh-token.js';
import { type RevokeOtherSessionsInput, revokeOtherSessionsInputSchema } from '../domain/schemas.js';
import { digestSecretToken } from '../domain/secret-token.js';
import { parseInput } from '../domain/validation.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { SignedInContext } from './change-password.use-case.js';
import { publishSafely } from './publish.js';

export interface ManageSessionsDependencies {
  readonly refreshTokens: RefreshTokenStore;
  readonly clock: Clock;
  readonly events: EventSink;
}

/**
 * A signed-in user's own sessions (refresh-token families): list them, end one, end all but the current one, end all.
 * Ending a session revokes its family, so its refresh token is refused from then on; AWS credentials already issued
 * to that device live until they expire (at most 1 h). Only the user's own sessions can be seen or ended: a family
 * of another user answers like one that does not exist.
 */
export class ManageSessions {
  constructor(private readonly deps: ManageSessionsDependencies) {}

  /** The live sessions, most recently used first. */
  async list(context: SignedInContext): Promise<SessionInfo[]> {
    const sessions = await this.deps.refreshTokens.listSessions(context.userId, this.deps.clock.now());
    return sessions.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
  }

  /** Ends one session of the caller's; SESSION_NOT_FOUND for an unknown, ended or foreign one. */
  async revoke(familyId: unknown, context: SignedInContext): Promise<void> {
    const sessions = await this.deps.refreshTokens.listSessions(context.userId, this.deps.clock.now());
    if (typeof familyId !== 'string' || !sessions.some((session) => session.familyId === familyId)) {
      throw new SessionNotFoundError();
    }
    await this.deps.refreshTokens.revokeFamily(familyId);
    this.ended(context.userId, 1);
  }

  /**
   * Ends every session but the one the given refresh token belongs to (the caller's current one: a signed request
   * does not say which session signed it, the client names it by its token). A token of another user, or an ended
   * one, is SESSION_NOT_FOUND and ends nothing.
   */
  async revokeOthers(
    input: RevokeOtherSessionsInput | unknown,
    context: SignedInContext,
  ): Promise<{ revoked: number }> {
    const { refreshToken } = parseInput(revokeOtherSessionsInputSchema, input);
    const current = await this.deps.refreshTokens.find(digestSecretToken(refreshToken));
    if (!current || current.userId !== context.userId || current.status === 'revoked') throw new SessionNotFoundError();
    const others = (await this.deps.refreshTokens.listSessions(context.userId, this.deps.clock.now())).filter(
      (session) => session.familyId !== current.familyId,
    );
    for (const session of others) await this.deps.refreshTokens.revokeFamily(session.familyId);
    this.ended(context.userId, others.length);
    return { revoked: others.length };
  }

  /** Signs out everywhere: every session of the user ends (the Cognito link and the account stay). */
  async revokeAll(context: SignedInContext): Promise<{ revoked: number }> {
    // Counted as the live sessions that end (revokeAllForUser also counts families that had ended already).
    const live = await this.deps.refreshTokens.listSessions(context.userId, this.deps.clock.now());
    await this.deps.refreshTokens.revokeAllForUser(context.userId);
    this.ended(context.userId, live.length);
    return { revoked: live.length };
  }

  private ended(userId: string, count: number): void {
    publishSafely(this.deps.events, { type: 'SessionsEnded', at: this.deps.clock.now(), userId, count });
  }
}
