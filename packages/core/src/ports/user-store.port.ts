import type { Role } from '../domain/role.js';
import type { UserRecord, UserStatus } from '../domain/user.js';

/** Largest page `list` serves; callers ask for 1..USER_PAGE_LIMIT users. */
export const USER_PAGE_LIMIT = 100;

/**
 * Which users `list` answers, in ascending canonical-username order (the store's order of the username key: code
 * point order in memory and on DynamoDB; the contract compares ASCII names only, so a PostgreSQL column collation
 * serves as long as `after` is compared with the same one). Filters combine (AND). The core validates the values
 * (canonical prefix and address, a configured role, a status, `limit` within 1..USER_PAGE_LIMIT) before a store sees
 * them.
 */
export interface UserListQuery {
  /** Canonical usernames starting with this (case-sensitive, as stored), literally: `_` and `.` are no wildcards. */
  readonly usernamePrefix?: string;
  /** Exactly this canonical address. */
  readonly email?: string;
  readonly role?: Role;
  readonly status?: UserStatus;
  /**
   * Where the previous page ended: that page's `nextCursor`, opaque to callers (each store encodes its own position;
   * the core wraps it). Keyset, not offset, so concurrent inserts and deletes never repeat or skip a user that
   * existed for the whole listing.
   */
  readonly after?: string;
  readonly limit: number;
}

export interface UserPage {
  readonly users: readonly UserRecord[];
  /** The position after the last user examined, or null when no user follows. */
  readonly nextCursor: string | null;
}

/** What `createMany` did with each user, in input order. */
export type UserCreateOutcome = 'created' | 'username_taken' | 'email_taken';

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
  /**
   * One page of users matching `query`, with ONE store round trip (a Query, a SELECT). A page may hold fewer than
   * `limit` users while `nextCursor` is not null where the store filters after reading (DynamoDB); callers follow
   * the cursor. May be eventually consistent (a user written a moment ago may be missing from a listing); a cursor
   * the store did not make throws ValidationError (path `cursor`).
   */
  list(query: UserListQuery): Promise<UserPage>;
  /**
   * Inserts up to `createManyLimit` new users (version 1, no IdentityId) in as few round trips as the store allows:
   * what an import of an existing user base calls. Each user is all or nothing (never a user without its uniqueness
   * markers); one user's conflict never fails the others: its outcome says which uniqueness it broke, against stored
   * users and earlier users of the same batch alike (of two users with one username, the first is created and the
   * second is `username_taken`). Callers pass at most `createManyLimit` users; a store may refuse more (throwing,
   * before writing anything).
   */
  createMany(users: readonly UserRecord[]): Promise<readonly UserCreateOutcome[]>;
  /** How many users one `createMany` call takes (the store's natural batch). */
  readonly createManyLimit: number;
}
