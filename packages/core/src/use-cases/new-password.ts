import type { DevauthConfig } from '../domain/config.js';
import { UserNotFoundError, ValidationError, VersionConflictError } from '../domain/errors.js';
import { type CommonPasswordList, checkNewPassword, PASSWORD_NORMALIZATION } from '../domain/password-policy.js';
import { nextVersion, type UserRecord } from '../domain/user.js';
import type { UserStore } from '../ports/user-store.port.js';

/**
 * The full new-password policy for an existing user (length, common passwords, not the username or email), with the
 * issues reported on `field` (`newPassword`) rather than the registration's `password`.
 */
export async function checkReplacementPassword(
  password: string,
  user: UserRecord,
  config: DevauthConfig,
  commonPasswords: CommonPasswordList,
  field = 'newPassword',
): Promise<string> {
  try {
    return await checkNewPassword(
      password,
      { username: user.username, email: user.email },
      config.passwordPolicy,
      commonPasswords,
    );
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: [field, ...issue.path.slice(1)] })));
  }
}

/**
 * Writes a new password hash (made with the current parameters, so NFKC). A concurrent change of another field (a
 * role, a status) is re-read and the hash applied on top of it, at most three times.
 */
export async function storePasswordHash(
  users: UserStore,
  user: UserRecord,
  passwordHash: string,
  now: Date,
): Promise<UserRecord> {
  let current = user;
  for (let attempt = 0; ; attempt++) {
    const next = nextVersion(current, { passwordHash, passwordNormalization: PASSWORD_NORMALIZATION }, now);
    try {
      await users.update(next);
      return next;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= 2) throw error;
      const fresh = await users.findById(user.id);
      if (!fresh) throw new UserNotFoundError();
      current = fresh;
    }
  }
}
