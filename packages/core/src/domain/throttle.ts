import { ConfigurationError } from './errors.js';

/**
 * Login throttling, modelled on Cognito User Pools and NIST SP 800-63B-4: the first `freeFailures` consecutive
 * failures cost nothing, then each failure imposes a wait of `baseDelaySeconds`, doubling per failure up to
 * `maxDelaySeconds`. After `maxConsecutiveFailures` the key is refused until `resetAfterIdleSeconds` pass without a
 * failure (so an account never sees more than that many consecutive failures inside the window). A successful login
 * resets the username key; address keys only decay, so one valid account cannot launder an address's failures.
 */
export interface ThrottlePolicy {
  readonly freeFailures: number;
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
  readonly maxConsecutiveFailures: number;
  /** A key with no failure for this long starts again from zero (and its stored state may expire). */
  readonly resetAfterIdleSeconds: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  maxConsecutiveFailures: 100,
  resetAfterIdleSeconds: 24 * 60 * 60,
};

export function resolveThrottlePolicy(options: Partial<ThrottlePolicy> = {}): ThrottlePolicy {
  const policy = { ...DEFAULT_THROTTLE_POLICY, ...options };
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigurationError(`throttle.${name} must be a non-negative integer.`);
    }
  }
  if (policy.maxConsecutiveFailures < 1 || policy.maxConsecutiveFailures > 100) {
    throw new ConfigurationError('throttle.maxConsecutiveFailures must be between 1 and 100 (NIST SP 800-63B-4).');
  }
  if (policy.maxDelaySeconds < policy.baseDelaySeconds) {
    throw new ConfigurationError('throttle.maxDelaySeconds must be at least baseDelaySeconds.');
  }
  if (policy.resetAfterIdleSeconds < policy.maxDelaySeconds) {
    throw new ConfigurationError('throttle.resetAfterIdleSeconds must be at least maxDelaySeconds.');
  }
  return policy;
}

/** The answer of `LoginAttemptStore.reserve`. */
export type Reservation =
  | { readonly reserved: true }
  | { readonly reserved: false; readonly retryAfterSeconds: number };

/**
 * The attempt state after one more failure at `now`, or null when `policy` refuses an attempt at `now`. Stores
 * implement `reserve` as an atomic "write this if the state is still the one read" around it, or its equivalent.
 */
export function nextReservedState(
  state: AttemptState | null,
  key: string,
  now: Date,
  policy: ThrottlePolicy,
): AttemptState | null {
  if (retryAfterSeconds(state, now, policy) > 0) return null;
  const restart = state === null || isIdleExpired(state, now, policy);
  if (restart) return { key, consecutiveFailures: 1, lastFailureAt: new Date(now) };
  // Concurrent requests (and Lambdas with slightly different clocks) carry different `now`s: the last failure never
  // moves back in time, so a late writer with an earlier clock cannot shorten the wait it is counted into.
  const last = Math.max(state.lastFailureAt.getTime(), now.getTime());
  return { key, consecutiveFailures: state.consecutiveFailures + 1, lastFailureAt: new Date(last) };
}

/** What a store keeps per throttle key. */
export interface AttemptState {
  readonly key: string;
  readonly consecutiveFailures: number;
  readonly lastFailureAt: Date;
}

/** Seconds to wait after `failures` consecutive failures (0 = may try now, ignoring elapsed time). */
export function waitAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures >= policy.maxConsecutiveFailures) return policy.resetAfterIdleSeconds;
  if (failures < policy.freeFailures) return 0;
  const doublings = failures - policy.freeFailures;
  // 2^doublings overflows nothing here: it is capped long before reaching Number limits.
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.min(doublings, 40));
}

/** Whole seconds until `state` allows another attempt at `now`; 0 when it does. */
export function retryAfterSeconds(state: AttemptState | null, now: Date, policy: ThrottlePolicy): number {
  if (state === null || isIdleExpired(state, now, policy)) return 0;
  const wait = waitAfter(state.consecutiveFailures, policy);
  // Within the free allowance nothing waits, even for a request whose clock is behind the last failure's.
  if (wait === 0) return 0;
  const remainingMs = state.lastFailureAt.getTime() + wait * 1000 - now.getTime();
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
}

export function isIdleExpired(state: AttemptState, now: Date, policy: ThrottlePolicy): boolean {
  return now.getTime() - state.lastFailureAt.getTime() >= policy.resetAfterIdleSeconds * 1000;
}

export function usernameThrottleKey(canonicalUsername: string): string {
  return `user:${canonicalUsername}`;
}

/** Login failures per source address (already grouped: see `throttleAddress`). */
export function addressThrottleKey(sourceAddress: string): string {
  return `addr:${sourceAddress}`;
}

/** Registrations per source address (anti-automation, ASVS 5.0 6.3.1). */
export function registrationThrottleKey(sourceAddress: string): string {
  return `register:${sourceAddress}`;
}

/** Guest identities per source address (each costs a Cognito GetId, whose account quota is 25 requests/s). */
export function guestThrottleKey(sourceAddress: string): string {
  return `guest:${sourceAddress}`;
}

/**
 * Rate limits for registration and guest creation reuse the throttle curve: every request counts as one "failure"
 * (nothing releases it), the first `freeFailures` in a burst are free, then each waits `baseDelaySeconds` doubling up
 * to `maxDelaySeconds` (so the sustained rate per address is one per `maxDelaySeconds`), and the count restarts after
 * `resetAfterIdleSeconds` without a request. Unlike login throttling there is no NIST cap of 100: the counter is
 * allowed to grow, the wait stays at its maximum.
 */
export const DEFAULT_REGISTRATION_RATE_LIMIT: ThrottlePolicy = {
  freeFailures: 20,
  baseDelaySeconds: 1,
  maxDelaySeconds: 60,
  maxConsecutiveFailures: 1_000_000,
  resetAfterIdleSeconds: 60 * 60,
};

/**
 * Password-reset requests, per account and per address: 3 in a burst, then one per 15 minutes at most (each request
 * may send a message: a flood of them is a nuisance to the mailbox owner and costs the sender).
 */
export const DEFAULT_PASSWORD_RESET_RATE_LIMIT: ThrottlePolicy = {
  freeFailures: 3,
  baseDelaySeconds: 60,
  maxDelaySeconds: 15 * 60,
  maxConsecutiveFailures: 1_000_000,
  resetAfterIdleSeconds: 24 * 60 * 60,
};

/** Password-reset requests for one account (its canonical username). */
export function passwordResetAccountKey(canonicalUsername: string): string {
  return `reset:user:${canonicalUsername}`;
}

/**
 * Reset requests by an email address no verified account holds: counted under the address itself, so probing
 * unknown addresses is throttled like probing known ones (a known address counts under its account's key).
 */
export function passwordResetEmailKey(canonicalEmail: string): string {
  return `reset:email:${canonicalEmail}`;
}

/** Login attempts by an email address no verified account holds (a known one counts under its username's key). */
export function emailThrottleKey(canonicalEmail: string): string {
  return `email:${canonicalEmail}`;
}

/** Verification messages per account (resends and refused logins): the reset request's limits, its own counter. */
export function emailVerificationAccountKey(userId: string): string {
  return `verify:user:${userId}`;
}

/** Password-reset requests from one (grouped) source address. */
export function passwordResetAddressKey(sourceAddress: string): string {
  return `reset:addr:${sourceAddress}`;
}

/** Generous: visitors behind one NAT share an address, and a guest costs us only one GetId. */
export const DEFAULT_GUEST_RATE_LIMIT: ThrottlePolicy = {
  freeFailures: 100,
  baseDelaySeconds: 1,
  maxDelaySeconds: 10,
  maxConsecutiveFailures: 1_000_000,
  resetAfterIdleSeconds: 60 * 60,
};

/** Validates a rate-limit policy (like `resolveThrottlePolicy`, without the NIST cap on consecutive failures). */
export function resolveRateLimitPolicy(
  name: string,
  defaults: ThrottlePolicy,
  options: Partial<ThrottlePolicy> = {},
): ThrottlePolicy {
  const policy = { ...defaults, ...options };
  for (const [field, value] of Object.entries(policy)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigurationError(`${name}.${field} must be a non-negative integer.`);
    }
  }
  if (policy.maxConsecutiveFailures < 1) throw new ConfigurationError(`${name}.maxConsecutiveFailures must be >= 1.`);
  if (policy.maxDelaySeconds < policy.baseDelaySeconds) {
    throw new ConfigurationError(`${name}.maxDelaySeconds must be at least baseDelaySeconds.`);
  }
  if (policy.resetAfterIdleSeconds < policy.maxDelaySeconds) {
    throw new ConfigurationError(`${name}.resetAfterIdleSeconds must be at least maxDelaySeconds.`);
  }
  return policy;
}
