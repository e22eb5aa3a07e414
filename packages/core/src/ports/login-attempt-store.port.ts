import type { AttemptState, Reservation, ThrottlePolicy } from '../domain/throttle.js';

/**
 * Consecutive-failure counters for throttling, keyed by `user:<canonical username>`, `addr:<address>` and the
 * per-address keys of registration and guest creation. Counters are updated atomically; state idle for
 * `resetAfterIdleSeconds` counts as zero (stores may expire it with a TTL at `lastFailureAt + resetAfterIdleSeconds`).
 */
export interface LoginAttemptStore {
  /** Current states of the keys that have any (one round trip where the engine allows). */
  get(keys: readonly string[]): Promise<AttemptState[]>;
  /**
   * Atomically adds one failure to each key at `now`; a key idle for `resetAfterIdleSeconds` restarts from 1.
   */
  recordFailure(keys: readonly string[], now: Date, resetAfterIdleSeconds: number): Promise<void>;
  /**
   * Counts one attempt against `key` before it is made, if `policy` allows an attempt at `now`: one atomic
   * conditional increment (an idle key restarts from 1). Of any number of concurrent reservations, only as many
   * succeed as the policy allows (with the default policy, 5 on a fresh key). When the policy refuses, nothing is
   * written and the answer says how long to wait (`retryAfterSeconds(state, now, policy)`).
   */
  reserve(key: string, now: Date, policy: ThrottlePolicy): Promise<Reservation>;
  /**
   * Takes back one reserved failure that turned out not to be one (a successful login's address key). Never goes
   * below zero and leaves `lastFailureAt` as it is; an absent key stays absent.
   */
  release(key: string): Promise<void>;
  /** Forgets a key (after a successful login). */
  reset(key: string): Promise<void>;
}
