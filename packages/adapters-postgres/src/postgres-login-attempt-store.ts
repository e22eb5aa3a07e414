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
 * `reserve` is one call of the function migration 0003 creates (`devauth_reserve_attempt`, the core's policy in
 * PL/pgSQL; its comment says how): PostgreSQL plans the function's statements once per session, where the same
 * statement sent as text was parsed and planned on every login. Parameters: key, now, freeFailures,
 * baseDelaySeconds, maxDelaySeconds, maxConsecutiveFailures, resetAfterIdleSeconds.
 */
const RESERVE = `SELECT reserved, consecutive_failures, last_failure_at
  FROM devauth_reserve_attempt($1, $2::timestamptz, $3::numeric, $4::numeric, $5::numeric, $6::numeric, $7::numeric)`;

interface ReserveRow {
  readonly reserved: boolean;
  readonly consecutive_failures: unknown;
  readonly last_failure_at: unknown;
}

/**
 * Consecutive-failure counters in `devauth_login_attempts`. A failure is one `INSERT ... ON CONFLICT DO UPDATE` for
 * all keys: the increment happens under the row lock, so parallel failures are all counted, and the idle-window
 * restart is decided in SQL against the stored time, never from a value read earlier. `reserve` is the same
 * upsert with the policy as the DO UPDATE's condition, inside a stored function (see RESERVE).
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
    // Refused: the function read the key's state after the refusing version committed, so the wait is exact in the
    // same round trip. A success that reset the key in between leaves no state (or one that allows again): the
    // answer is then a short wait, never a wrong decision.
    const state =
      row && row.consecutive_failures !== null && row.last_failure_at !== null
        ? toAttemptState({ key, consecutive_failures: row.consecutive_failures, last_failure_at: row.last_failure_at })
        : null;
    return { reserved: false, retryAfterSeconds: retryAfterSeconds(state, now, policy) };
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
