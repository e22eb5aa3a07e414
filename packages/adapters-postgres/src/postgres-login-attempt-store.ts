import {
  type AttemptState,
  type LoginAttemptStore,
  type Reservation,
  retryAfterSeconds,
  type ThrottlePolicy,
} from '@devauth/core';
import { toStoreError } from './errors.js';
import { type AttemptRow, toAttemptState, toTimestamp } from './mappers.js';
import type { SqlClient } from './sql-client.js';

/**
 * `reserve` in one statement. Parameters: $1 key, $2 now, $3 freeFailures, $4 baseDelaySeconds, $5 maxDelaySeconds,
 * $6 maxConsecutiveFailures, $7 resetAfterIdleSeconds.
 *
 * The policy is the core's (`nextReservedState` / `waitAfter` / `isIdleExpired` in domain/throttle.ts), written in
 * SQL against the row as ON CONFLICT locked it (the latest committed version, never a value read earlier):
 * - elapsed: seconds since the last failure, exact (`extract(epoch ...)` is numeric; timestamps are stored with the
 *   milliseconds of a JavaScript Date, so this is the core's millisecond difference divided by 1000);
 * - idle: elapsed >= resetAfterIdleSeconds: the count restarts at 1;
 * - wait (waitAfter): failures >= maxConsecutiveFailures -> resetAfterIdleSeconds; failures < freeFailures -> 0;
 *   else least(maxDelaySeconds, baseDelaySeconds * 2^least(failures - freeFailures, 40)), in numeric (exact);
 * - an attempt is allowed when idle, when wait is 0 (within the free allowance, even for a request whose clock is
 *   behind the stored failure), or when elapsed >= wait; the last failure never moves back in time.
 * A fresh key inserts 1. When the policy refuses, the DO UPDATE's WHERE is false: nothing is written, no row comes
 * back from the CTE, and the outer SELECT returns the key's state as of the statement's snapshot, from which the
 * caller computes the wait with the core's `retryAfterSeconds`.
 *
 * Concurrent reservations of one key queue on the row lock (or, for a fresh key, on the first one's insertion) and
 * each evaluates the policy against the row its predecessor committed: exactly as many win as the policy allows.
 */
const ELAPSED = '(extract(epoch FROM excluded.last_failure_at) - extract(epoch FROM a.last_failure_at))';
const IDLE = `${ELAPSED} >= $7::numeric`;
const WAIT = `CASE
                WHEN a.consecutive_failures >= $6::numeric THEN $7::numeric
                WHEN a.consecutive_failures < $3::numeric THEN 0
                ELSE least($5::numeric, $4::numeric * power(2::numeric, least(a.consecutive_failures - $3::numeric, 40)))
              END`;
const RESERVE = `WITH reserved AS (
  INSERT INTO devauth_login_attempts AS a (key, consecutive_failures, last_failure_at, expires_at)
  VALUES ($1, 1, $2::timestamptz, $2::timestamptz + make_interval(secs => $7::numeric::double precision))
  ON CONFLICT (key) DO UPDATE
     SET consecutive_failures = CASE WHEN ${IDLE} THEN 1 ELSE a.consecutive_failures + 1 END,
         last_failure_at = CASE WHEN ${IDLE} THEN excluded.last_failure_at
                                ELSE greatest(a.last_failure_at, excluded.last_failure_at) END,
         expires_at = CASE WHEN ${IDLE} THEN excluded.expires_at ELSE greatest(a.expires_at, excluded.expires_at) END
   WHERE ${IDLE} OR ${WAIT} = 0 OR ${ELAPSED} >= ${WAIT}
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM reserved) AS reserved, s.key, s.consecutive_failures, s.last_failure_at
  FROM (VALUES (1)) AS one (n)
  LEFT JOIN devauth_login_attempts s ON s.key = $1`;

interface ReserveRow {
  readonly reserved: boolean;
  readonly key: string | null;
  readonly consecutive_failures: unknown;
  readonly last_failure_at: unknown;
}

/**
 * Consecutive-failure counters in `devauth_login_attempts`. A failure is one `INSERT ... ON CONFLICT DO UPDATE` for
 * all keys: the increment happens under the row lock, so parallel failures are all counted, and the idle-window
 * restart is decided in SQL against the stored time, never from a value read earlier. `reserve` is the same
 * statement with the policy as the DO UPDATE's condition (see RESERVE).
 */
export class PostgresLoginAttemptStore implements LoginAttemptStore {
  constructor(private readonly client: SqlClient) {}

  async get(keys: readonly string[]): Promise<AttemptState[]> {
    if (keys.length === 0) return [];
    try {
      const { rows } = await this.client.query<AttemptRow>(
        `SELECT key, consecutive_failures, last_failure_at FROM devauth_login_attempts WHERE key = ANY($1::text[])`,
        [[...keys]],
      );
      return rows.map(toAttemptState);
    } catch (error) {
      throw toStoreError(error, 'loginAttempts.get');
    }
  }

  async recordFailure(keys: readonly string[], now: Date, resetAfterIdleSeconds: number): Promise<void> {
    // Distinct, because one statement cannot update a row twice; sorted, so two calls with the same keys in another
    // order lock the rows in the same order and cannot deadlock.
    const distinct = [...new Set(keys)].sort();
    if (distinct.length === 0) return;
    try {
      await this.client.query(
        `INSERT INTO devauth_login_attempts AS a (key, consecutive_failures, last_failure_at, expires_at)
         SELECT k, 1, $2::timestamptz, $2::timestamptz + make_interval(secs => $3::double precision)
           FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE
            SET consecutive_failures = CASE
                  WHEN a.last_failure_at + make_interval(secs => $3::double precision) <= excluded.last_failure_at THEN 1
                  ELSE a.consecutive_failures + 1
                END,
                last_failure_at = excluded.last_failure_at,
                expires_at = excluded.expires_at`,
        [distinct, toTimestamp(now), resetAfterIdleSeconds],
      );
    } catch (error) {
      throw toStoreError(error, 'loginAttempts.recordFailure');
    }
  }

  async reserve(key: string, now: Date, policy: ThrottlePolicy): Promise<Reservation> {
    let row: ReserveRow | undefined;
    try {
      const { rows } = await this.client.query<ReserveRow>(RESERVE, [
        key,
        toTimestamp(now),
        policy.freeFailures,
        policy.baseDelaySeconds,
        policy.maxDelaySeconds,
        policy.maxConsecutiveFailures,
        policy.resetAfterIdleSeconds,
      ]);
      row = rows[0];
    } catch (error) {
      throw toStoreError(error, 'loginAttempts.reserve');
    }
    if (row?.reserved) return { reserved: true };
    // Refused. Without a race, the snapshot's state is the one the statement refused, so the wait is exact in one
    // round trip. When another reservation of the key committed while this one waited for the row, the snapshot is
    // older than what refused: it may lack the row, or show a state that would have allowed the attempt (wait 0);
    // then the state is read again (a second round trip, on that race only). It may also show an older state that
    // refuses too, with a wait shorter than the current one: the hint is then early, never the decision.
    const snapshot = row?.key ? toAttemptState(row as AttemptRow) : null;
    let wait = retryAfterSeconds(snapshot, now, policy);
    if (wait === 0) {
      const [current] = await this.get([key]);
      wait = retryAfterSeconds(current ?? null, now, policy);
    }
    return { reserved: false, retryAfterSeconds: wait };
  }

  async release(key: string): Promise<void> {
    try {
      // One reservation back, never below zero; last_failure_at (and so the wait and the idle window) stays.
      await this.client.query(
        `UPDATE devauth_login_attempts SET consecutive_failures = consecutive_failures - 1
          WHERE key = $1 AND consecutive_failures > 0`,
        [key],
      );
    } catch (error) {
      throw toStoreError(error, 'loginAttempts.release');
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.client.query('DELETE FROM devauth_login_attempts WHERE key = $1', [key]);
    } catch (error) {
      throw toStoreError(error, 'loginAttempts.reset');
    }
  }
}
