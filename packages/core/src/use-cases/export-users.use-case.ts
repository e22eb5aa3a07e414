import type { Role } from '../domain/role.js';
import { isUnusablePasswordHash } from '../domain/unusable-password.js';
import type { PasswordNormalization, UserRecord, UserStatus } from '../domain/user.js';
import { USER_PAGE_LIMIT, type UserStore } from '../ports/user-store.port.js';

/**
 * One user as `ExportUsers` writes it: the fields of an `ImportUserRow`, so an export imports again as it is
 * (with hashes; without them, only the rows of users without a password import, the others need a `passwordHash`
 * or `noPassword`).
 */
export interface ExportedUser {
  readonly username: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly role: Role;
  readonly status: UserStatus;
  /** With `includeHashes` only, for a user with a password. */
  readonly passwordHash?: string;
  /** With `passwordHash`: how the password was normalized before hashing (devauth's own hashes: `NFKC`). */
  readonly passwordNormalization?: PasswordNormalization;
  /** A user without a password (imported with `noPassword`, none set since); no secret, so with or without hashes. */
  readonly noPassword?: true;
}

export interface ExportUsersOptions {
  /** Password hashes are written only when this is exactly `true`: an export is otherwise free of secrets. */
  readonly includeHashes: boolean;
}

export interface ExportUsersDependencies {
  readonly users: UserStore;
}

/**
 * Exports every user, in the store's username order, paging through `users.list` (USER_PAGE_LIMIT users per round
 * trip, one page held at a time), for `export-users` to write as JSON Lines or CSV. A listing may be eventually
 * consistent: a user written during the export may be missing from it (keyset paging never repeats a user).
 * Ids, IdentityIds and timestamps stay out: an import makes its own.
 */
export class ExportUsers {
  constructor(private readonly deps: ExportUsersDependencies) {}

  async *rows(options: ExportUsersOptions): AsyncIterable<ExportedUser> {
    const includeHashes = options?.includeHashes === true;
    let after: string | undefined;
    do {
      const page = await this.deps.users.list({ limit: USER_PAGE_LIMIT, ...(after === undefined ? {} : { after }) });
      for (const user of page.users) yield exportedUser(user, includeHashes);
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
  }
}

function exportedUser(user: UserRecord, includeHashes: boolean): ExportedUser {
  const row: ExportedUser = {
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    role: user.role,
    status: user.status,
  };
  if (isUnusablePasswordHash(user.passwordHash)) return { ...row, noPassword: true };
  if (!includeHashes) return row;
  return { ...row, passwordHash: user.passwordHash, passwordNormalization: user.passwordNormalization };
}
