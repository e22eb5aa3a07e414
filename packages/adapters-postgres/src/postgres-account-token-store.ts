import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from '@devauth/core';
import { toStoreError } from './errors.js';
import { ACCOUNT_TOKEN_COLUMNS, type AccountTokenRow, toAccountTokenRecord, toTimestamp } from './mappers.js';
import type { SqlClient } from './sql-client.js';

/**
 * Password-reset and email-verification tokens in `devauth_account_tokens`, one row per user and purpose
 * (`devauth_account_tokens_user_purpose_key`), keyed by the token's digest. Every operation is one statement:
 *
 * - `issue` inserts, or overwrites the user's row of that purpose (ON CONFLICT), digest included: the earlier token
 *   no longer exists once the statement commits, so "the user's current token" needs no check of its own.
 * - `consume` deletes the row if it has the digest, the purpose and has not expired, and returns it: single use,
 *   atomic. Of concurrent consumers the first to lock the row deletes it; the others wait on the lock, re-check the
 *   committed row (gone, or overwritten by an `issue` with another digest) and delete nothing. Unknown, spent,
 *   replaced, expired or wrong-purpose tokens all answer null alike, and a refusal changes nothing.
 * - `deleteAllForUser` deletes the user's rows (through the unique index, whose first column is `user_id`).
 *
 * Expired rows are inert (consume refuses them) and are overwritten by the user's next token of that purpose;
 * housekeeping may delete them (`DELETE FROM devauth_account_tokens WHERE expires_at < now()`, see the README).
 */
export class PostgresAccountTokenStore implements AccountTokenStore {
  constructor(private readonly client: SqlClient) {}

  async issue(record: AccountTokenRecord): Promise<void> {
    try {
      await this.client.query(
        `INSERT INTO devauth_account_tokens (${ACCOUNT_TOKEN_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, purpose) DO UPDATE
            SET token_hash = excluded.token_hash, email = excluded.email,
                created_at = excluded.created_at, expires_at = excluded.expires_at`,
        [
          record.tokenHash,
          record.purpose,
          record.userId,
          record.email,
          toTimestamp(record.createdAt),
          toTimestamp(record.expiresAt),
        ],
      );
    } catch (error) {
      throw toStoreError(error, 'accountTokens.issue');
    }
  }

  async consume(tokenHash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountTokenRecord | null> {
    try {
      const { rows } = await this.client.query<AccountTokenRow>(
        `DELETE FROM devauth_account_tokens
          WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3::timestamptz
          RETURNING ${ACCOUNT_TOKEN_COLUMNS}`,
        [tokenHash, purpose, toTimestamp(now)],
      );
      const [row] = rows;
      return row === undefined ? null : toAccountTokenRecord(row);
    } catch (error) {
      throw toStoreError(error, 'accountTokens.consume');
    }
  }

  async deleteAllForUser(userId: string): Promise<void> {
    try {
      await this.client.query('DELETE FROM devauth_account_tokens WHERE user_id = $1', [userId]);
    } catch (error) {
      throw toStoreError(error, 'accountTokens.deleteAllForUser');
    }
  }
}
