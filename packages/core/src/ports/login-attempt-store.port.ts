import type { AttemptState } from '../domain/throttle.js';

/**
 * Consecutive-failure counters for login throttling, keyed by `user:<canonical username>` or `addr:<source>`.
 * Counters are updated atomically; state idle for `resetAfterIdleSeconds` counts as zero (stores may expire it
 * with a TTL at `lastFailureAt + resetAfterIdleSeconds`).
 */
export interface LoginAttemptStore {
  /** Current states of the keys that have any (one round trip where the engine allows). */
  get(keys: readonly string[]): Promise<AttemptState[]>;
  /**
   * Atomically adds one failure to each key at `now`; a key idle for `resetAfterIdleSeconds` restarts from 1.
   */
  recordFailure(keys: readonly string[], now: Date, resetAfterIdleSeconds: number): Promise<void>;
  /** Forgets a key (after a successful login). */
  reset(key: string): Promise<void>;
}
