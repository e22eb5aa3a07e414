import { InvalidCredentialsError } from '../domain/errors.js';
import { normalizePassword } from '../domain/password-policy.js';
import { throttleAddress } from '../domain/source-address.js';
import { addressThrottleKey, type ThrottlePolicy, usernameThrottleKey } from '../domain/throttle.js';
import type { UserRecord } from '../domain/user.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import { reserveAttempts } from './reserve-attempts.js';

export interface ConfirmPasswordDependencies {
  readonly loginAttempts: LoginAttemptStore;
  readonly hasher: PasswordHasher;
}

/**
 * Checks a signed-in user's password again before a sensitive change (a new password, deleting the account). It is a
 * password guess like a login, so it is throttled like one and on the same keys: a failure is reserved before the
 * hash is verified and stays counted; a success resets the username's failures and gives the address's back.
 */
export async function confirmPassword(
  deps: ConfirmPasswordDependencies,
  user: UserRecord,
  password: string,
  context: { readonly now: Date; readonly sourceAddress?: string | undefined; readonly policy: ThrottlePolicy },
): Promise<void> {
  const userKey = usernameThrottleKey(user.username);
  const addressKey = context.sourceAddress ? addressThrottleKey(throttleAddress(context.sourceAddress)) : undefined;
  const keys = [userKey, ...(addressKey ? [addressKey] : [])].map((key) => ({ key, policy: context.policy }));
  await reserveAttempts(deps.loginAttempts, keys, context.now);
  const verified = await deps.hasher.verify(user.passwordHash, normalizePassword(password, user.passwordNormalization));
  if (!verified) throw new InvalidCredentialsError();
  await Promise.all([
    deps.loginAttempts.reset(userKey),
    addressKey ? deps.loginAttempts.release(addressKey) : undefined,
  ]);
}
