import { VersionConflictError } from '../domain/errors.js';
import { normalizePassword, PASSWORD_NORMALIZATION } from '../domain/password-policy.js';
import { nextVersion, type UserRecord } from '../domain/user.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';

export interface LoginFollowUpDependencies {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly events: EventSink;
}

/**
 * One user write for both follow-ups of a successful login: storing the IdentityId on first login (or when the
 * broker resolved another one) and upgrading a legacy or weak hash. A concurrent login may win the version race;
 * then the write is retried once on the fresh record, and if it loses again the login still succeeds (the next one
 * will store what is missing).
 */
export async function rememberIdentityAndRehash(
  deps: LoginFollowUpDependencies,
  user: UserRecord,
  identityId: string,
  password: string,
  now: Date,
): Promise<UserRecord> {
  let current = user;
  for (let attempt = 0; attempt < 2; attempt++) {
    const rehash =
      current.passwordNormalization !== PASSWORD_NORMALIZATION || deps.hasher.needsRehash(current.passwordHash);
    if (current.identityId === identityId && !rehash) return current;
    const next = nextVersion(
      current,
      rehash
        ? {
            identityId,
            passwordHash: await deps.hasher.hash(normalizePassword(password, PASSWORD_NORMALIZATION)),
            passwordNormalization: PASSWORD_NORMALIZATION,
          }
        : { identityId },
      now,
    );
    try {
      await deps.users.update(next);
      if (rehash)
        publishSafely(deps.events, {
          type: 'PasswordRehashed',
          at: now,
          userId: user.id,
          algorithm: algorithmOf(next.passwordHash),
        });
      return next;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      const fresh = await deps.users.findById(user.id);
      if (!fresh) return current;
      current = fresh;
    }
  }
  return current;
}

function algorithmOf(encoded: string): string {
  return encoded.startsWith('$') ? (encoded.split('$')[1] ?? 'unknown') : (encoded.split('$')[0] ?? 'unknown');
}
