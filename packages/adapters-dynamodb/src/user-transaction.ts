import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { EmailTakenError, IdentityTakenError, UsernameTakenError, VersionConflictError } from '@devauth/core';
import { type DynamoDbStoreOptions, transactWrite } from './requests.js';

/**
 * A user write is one TransactWriteItems whose items each guard something (the version, a marker's uniqueness, its
 * ownership). This module names what each guards and turns a cancelled transaction into the domain error of the
 * guard that failed.
 */

/**
 * What each item of a user transaction guards, to map a cancellation reason (by index) to the domain error.
 * `foreignIdentity` is the removal of the user's previous identity marker, which may be held by another user (a link
 * made before the marker existed, see DynamoDbUserStore.findByIdentityId): then it is not this user's to remove, and the
 * transaction is committed without it.
 */
export type Guard = 'user' | 'username' | 'email' | 'identity' | 'ownership' | 'foreignIdentity';

/**
 * Commits the writes; a failed condition becomes the domain error of the first guard that failed, by priority. When
 * only the removal of a previous identity marker failed (another user holds it: a legacy link), the marker is left
 * to its holder and the rest is committed.
 */
export async function commitUserWrites(
  options: DynamoDbStoreOptions,
  operation: string,
  writes: [Guard, TransactWriteItem][],
): Promise<void> {
  const reasons = await transactWrite(
    options,
    `TransactWriteItems (${operation})`,
    writes.map(([, item]) => item),
  );
  if (reasons === null) return;
  const failed = new Set(
    writes.flatMap(([guard], index) => (reasons[index] === 'ConditionalCheckFailed' ? [guard] : [])),
  );
  if (failed.size === 1 && failed.has('foreignIdentity')) {
    return commitUserWrites(
      options,
      operation,
      writes.filter(([guard]) => guard !== 'foreignIdentity'),
    );
  }
  // Same order as the reference store: a stale version first, then the username, the email, the identity.
  if (failed.has('user') || failed.has('ownership')) throw new VersionConflictError('user');
  if (failed.has('username')) throw new UsernameTakenError();
  if (failed.has('email')) throw new EmailTakenError();
  if (failed.has('identity')) throw new IdentityTakenError();
  throw new VersionConflictError('user');
}
