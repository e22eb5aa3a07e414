import type { RefreshTokenRecord, RotationOutcome, SessionInfo } from '../domain/refresh-token.js';

/**
 * Persistence of refresh tokens, by digest. `rotate` is the security-critical operation: one conditional write that
 * marks the presented token `rotated` and stores its successor only if the presented token is still `active` and
 * its family not revoked, so that of any number of concurrent rotations exactly one wins.
 */
export interface RefreshTokenStore {
  issue(record: RefreshTokenRecord): Promise<void>;
  /** The token with this digest, with `status: 'revoked'` if its family was revoked. */
  find(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Atomically retires `currentHash` (status `rotated`, `rotatedAt` = `next.issuedAt`) and stores `next` (same
   * family). `not_active` if it lost or was revoked.
   */
  rotate(currentHash: string, next: RefreshTokenRecord): Promise<RotationOutcome>;
  /** Revokes every token of the family, present and future. Idempotent. */
  revokeFamily(familyId: string): Promise<void>;
  /**
   * Revokes every family the user has (each as `revokeFamily`): the families are found with one query, through a
   * user -> families index. A family issued after the call is not affected. Idempotent; returns how many families
   * were found.
   */
  revokeAllForUser(userId: string): Promise<number>;
  /**
   * Removes every token and family record of the user (account deletion: nothing of the user may remain). A token
   * presented afterwards is unknown. Idempotent.
   */
  deleteAllForUser(userId: string): Promise<void>;
  /**
   * The user's live sessions: families not revoked whose current (active) token has not expired at `now`, with when
   * each started and was last refreshed and its client hint. One query where the engine allows; order unspecified.
   */
  listSessions(userId: string, now: Date): Promise<SessionInfo[]>;
}
