import { ThrottledError } from '../domain/errors.js';
import type { ThrottlePolicy } from '../domain/throttle.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';

export interface AttemptKey {
  readonly key: string;
  readonly policy: ThrottlePolicy;
}

/**
 * Reserves one attempt on every key at once (in parallel: one round trip), before the expensive work it guards.
 * If any key refuses, the reservations that did succeed are given back and ThrottledError carries the longest wait,
 * so a refused request counts against nothing. Check-then-act would let every concurrent request through the check
 * before any of them recorded a failure; reserving first bounds the work to what the policy allows.
 */
export async function reserveAttempts(store: LoginAttemptStore, keys: readonly AttemptKey[], now: Date): Promise<void> {
  const outcomes = await Promise.all(keys.map(({ key, policy }) => store.reserve(key, now, policy)));
  const waits = outcomes.map((outcome) => (outcome.reserved ? 0 : outcome.retryAfterSeconds));
  const wait = Math.max(0, ...waits);
  if (outcomes.every((outcome) => outcome.reserved)) return;
  await Promise.all(keys.filter((_, index) => outcomes[index]!.reserved).map(({ key }) => store.release(key)));
  throw new ThrottledError(Math.max(1, wait));
}
