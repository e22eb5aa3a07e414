import type { UserRecord } from '../domain/user.js';

/**
 * Persistence of users. Implementations must:
 * - enforce uniqueness of `username` and of `email` (when not null) atomically with the write, throwing
 *   `UsernameTakenError` / `EmailTakenError` (never a driver error);
 * - apply `update` only when the stored version is `next.version - 1`, else throw `VersionConflictError`;
 *   username/email uniqueness holds across updates as well;
 * - enforce uniqueness of `identityId` (when not null) the same way, throwing `IdentityTakenError`, so that
 *   `findByIdentityId` answers at most one user;
 * - answer `findByUsername` with one round trip and strongly consistent data (it sits on the login path);
 * - map unreachable/throttled/timeouts to `UpstreamUnavailableError`.
 */
export interface UserStore {
  /** Inserts a new user (version 1). Throws UsernameTakenError / EmailTakenError / IdentityTakenError. */
  create(user: UserRecord): Promise<void>;
  findById(id: string): Promise<UserRecord | null>;
  /** `username` is canonical. One round trip, strongly consistent. */
  findByUsername(username: string): Promise<UserRecord | null>;
  /**
   * The user whose stored `email` is this canonical address (verified or not: the caller decides what an unverified
   * address may do). One round trip where the store allows, strongly consistent (it sits on the login-by-email path).
   */
  findByEmail(email: string): Promise<UserRecord | null>;
  /** The one user linked to a Cognito IdentityId (the in-Lambda guard's lookup), strongly consistent. */
  findByIdentityId(identityId: string): Promise<UserRecord | null>;
  /** Writes `next` if the stored version is `next.version - 1`; throws VersionConflictError otherwise. */
  update(next: UserRecord): Promise<void>;
  /** Removes the user and every item that exists only for it (uniqueness markers). Idempotent. */
  delete(id: string): Promise<void>;
}
