import type { AttemptState, LoginAttemptStore } from '@devauth/core';
import { toStoreError } from './errors.js';
import { type AttemptRow, toAttemptState, toTimestamp } from './mappers.js';
import type { SqlClient } from './sql-client.js';

/**
 * Consecutive-failure counters in `devauth_login_attempts`. A failure is one `INSERT ... ON CONFLICT DO UPDATE` for
 * all keys: the increment happens under the row lock, so parallel failures are all counted, and the idle-window
 * restart is decided in SQL against the stored time, never from a value read earlier.
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

  async reset(key: string): Promise<void> {
    try {
      await this.client.query('DELETE FROM devauth_login_attempts WHERE key = $1', [key]);
    } catch (error) {
      throw toStoreError(error, 'loginAttempts.reset');
    }
  }
}
