import type { Role } from './role.js';

export type UserStatus = 'active' | 'disabled';

/**
 * How the password was normalized before hashing. Recorded per user so a change of default can never silently
 * lock anyone out: imported legacy hashes were made from the raw password (`none`), devauth hashes from NFKC.
 */
export type PasswordNormalization = 'NFKC' | 'none';

/** The stored user, hash included. It never leaves the core through a public API: use {@link toPublicUser}. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  /**
   * Whether the user proved `email` by spending an email-verification token. Only a verified address receives
   * password resets (by default) and can be used to log in; changing the address needs the new one proved first,
   * so this is never true of an address nobody confirmed.
   */
  readonly emailVerified: boolean;
  readonly role: Role;
  readonly passwordHash: string;
  readonly passwordNormalization: PasswordNormalization;
  readonly identityId: string | null;
  readonly status: UserStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Optimistic concurrency: starts at 1, each update writes version + 1 on condition of the old one. */
  readonly version: number;
}

/** What callers may see of a user. */
export interface PublicUser {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly role: Role;
  readonly identityId: string | null;
  readonly status: UserStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export function toPublicUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    role: user.role,
    identityId: user.identityId,
    status: user.status,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** The next version of a user: applies changes, bumps the version, stamps updatedAt. */
export function nextVersion(
  user: UserRecord,
  changes: Partial<Omit<UserRecord, 'id' | 'createdAt' | 'updatedAt' | 'version'>>,
  now: Date,
): UserRecord {
  return { ...user, ...changes, updatedAt: now, version: user.version + 1 };
}
