import type { RefreshTokenRecord, RefreshTokenStore, RotationOutcome, SessionInfo } from '@devauth/core';
import { toStoreError } from './errors.js';
import {
  fromClientHint,
  type RefreshTokenRow,
  type SessionRow,
  REFRESH_TOKEN_COLUMNS as TOKEN_COLUMNS,
  toRefreshTokenRecord,
  toSessionInfo,
  toTimestamp,
} from './mappers.js';
import type { SqlClient } from './sql-client.js';

/**
 * Refresh tokens in `devauth_refresh_tokens`, revoked families in `devauth_revoked_token_families`.
 * `revokeAllForUser` finds a user's families through `devauth_refresh_tokens_user_id_idx`.
 *
 * Rotation is one statement: a CTE retires the presented token (UPDATE ... WHERE status = 'active' AND the family is
 * not revoked) and the INSERT of the successor selects from what the UPDATE returned. Concurrent rotations of one
 * token queue on its row lock; after the first commits, PostgreSQL re-checks the others' WHERE against the committed
 * row (status is now 'rotated'), so they update nothing and insert nothing: exactly one wins.
 *
 * Each token keeps its client hint in `client_user_agent` / `client_address_prefix` (both NULL: no hint; a hint whose
 * members are both null is stored as, and reads back as, no hint). `listSessions` is one statement over
 * `devauth_refresh_tokens_user_id_idx`.
 */
export class PostgresRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly client: SqlClient) {}

  async issue(record: RefreshTokenRecord): Promise<void> {
    try {
      await this.client.query(
        `INSERT INTO devauth_refresh_tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          record.tokenHash,
          record.familyId,
          record.userId,
          record.identityId,
          record.status,
          toTimestamp(record.issuedAt),
          toTimestamp(record.expiresAt),
          toTimestamp(record.familyExpiresAt),
          record.rotatedAt === null ? null : toTimestamp(record.rotatedAt),
          ...fromClientHint(record.clientHint),
        ],
      );
    } catch (error) {
      throw toStoreError(error, 'refreshTokens.issue');
    }
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | null> {
    try {
      // The family marker overrides the stored status: every token of a revoked family reads as revoked.
      const { rows } = await this.client.query<RefreshTokenRow>(
        `SELECT t.token_hash, t.family_id, t.user_id, t.identity_id,
                CASE WHEN r.family_id IS NULL THEN t.status ELSE 'revoked' END AS status,
                t.issued_at, t.expires_at, t.family_expires_at, t.rotated_at,
                t.client_user_agent, t.client_address_prefix
           FROM devauth_refresh_tokens t
           LEFT JOIN devauth_revoked_token_families r ON r.family_id = t.family_id
          WHERE t.token_hash = $1`,
        [tokenHash],
      );
      const row = rows[0];
      return row ? toRefreshTokenRecord(row) : null;
    } catch (error) {
      throw toStoreError(error, 'refreshTokens.find');
    }
  }

  async rotate(currentHash: string, next: RefreshTokenRecord): Promise<RotationOutcome> {
    try {
      // `t.family_id = $3`: the successor must belong to the presented token's family (fails closed otherwise).
      // The retired token records when it was rotated: the successor's issued_at ($7).
      // Casts are explicit because parameters in a SELECT list get no type from the INSERT's columns.
      const { rows } = await this.client.query(
        `WITH retired AS (
           UPDATE devauth_refresh_tokens AS t
              SET status = 'rotated', rotated_at = $7::timestamptz
            WHERE t.token_hash = $1
              AND t.status = 'active'
              AND t.family_id = $3
              AND NOT EXISTS (SELECT 1 FROM devauth_revoked_token_families r WHERE r.family_id = t.family_id)
           RETURNING t.family_id
         )
         INSERT INTO devauth_refresh_tokens (${TOKEN_COLUMNS})
         SELECT $2::text, retired.family_id, $4::text, $5::text, $6::text,
                $7::timestamptz, $8::timestamptz, $9::timestamptz, $10::timestamptz, $11::text, $12::text
           FROM retired
         RETURNING token_hash`,
        [
          currentHash,
          next.tokenHash,
          next.familyId,
          next.userId,
          next.identityId,
          next.status,
          toTimestamp(next.issuedAt),
          toTimestamp(next.expiresAt),
          toTimestamp(next.familyExpiresAt),
          next.rotatedAt === null ? null : toTimestamp(next.rotatedAt),
          // The successor's own hint (the core copies the family's forward).
          ...fromClientHint(next.clientHint),
        ],
      );
      return rows.length === 1 ? 'rotated' : 'not_active';
    } catch (error) {
      throw toStoreError(error, 'refreshTokens.rotate');
    }
  }

  async revokeFamily(familyId: string): Promise<void> {
    try {
      // The marker revokes present and future tokens (find and rotate both check it). Updating the active token as
      // well makes a revocation and a concurrent rotation contend for the same row lock, so they serialize: either
      // the rotation ran first (and its successor is covered by the marker) or it sees 'revoked' and fails.
      await this.client.query(
        `WITH marker AS (
           INSERT INTO devauth_revoked_token_families (family_id) VALUES ($1)
           ON CONFLICT (family_id) DO NOTHING
         )
         UPDATE devauth_refresh_tokens SET status = 'revoked' WHERE family_id = $1 AND status = 'active'`,
        [familyId],
      );
    } catch (error) {
      throw toStoreError(error, 'refreshTokens.revokeFamily');
    }
  }

  async revokeAllForUser(userId: string): Promise<number> {
    try {
      // revokeFamily for every family the user has, in one statement: the families come from
      // devauth_refresh_tokens_user_id_idx (user_id, family_id); each gets its marker (sorted, so two revocations
      // of one user insert markers in the same order) and its active token is revoked, contending for the row lock
      // with a concurrent rotation exactly as revokeFamily does. A family first issued after the statement's
      // snapshot (a new login) is not among them.
      const { rows } = await this.client.query<{ families: unknown }>(
        `WITH families AS (
           SELECT DISTINCT family_id FROM devauth_refresh_tokens WHERE user_id = $1
         ),
         marker AS (
           INSERT INTO devauth_revoked_token_families (family_id)
           SELECT family_id FROM families ORDER BY family_id
           ON CONFLICT (family_id) DO NOTHING
         ),
         revoked AS (
           UPDATE devauth_refresh_tokens SET status = 'revoked'
            WHERE family_id IN (SELECT family_id FROM families) AND status = 'active'
         )
         SELECT count(*)::int AS families FROM families`,
        [userId],
      );
      return Number(rows[0]?.families ?? 0);
    } catch (error) {
      throw toStoreError(error, 'refreshTokens.revokeAllForUser');
    }
  }

  async deleteAllForUser(userId: string): Promise<void> {
    try {
      // One statement: the user's tokens and the revocation markers of their families (a marker holds no user id,
      // but it is the user's: a deleted account leaves nothing behind).
      await this.client.query(
        `WITH deleted AS (
           DELETE FROM devauth_refresh_tokens WHERE user_id = $1 RETURNING family_id
         )
         DELETE FROM devauth_revoked_token_families WHERE family_id IN (SELECT family_id FROM deleted)`,
        [userId],
      );
    } catch (error) {
      throw toStoreError(error, 'refreshTokens.deleteAllForUser');
    }
  }

  async listSessions(userId: string, now: Date): Promise<SessionInfo[]> {
    try {
      // One statement, all of it through devauth_refresh_tokens_user_id_idx (user_id, family_id): per family of the
      // user, the earliest issue time (the login) and its current token, the latest active one (a family has one;
      // DISTINCT ON keeps the answer one row per family even if a caller issued two). Families with a revocation
      // marker are left out (a token issued into a revoked family is stored active, so status alone is not enough),
      // then those whose current token has expired at `now`.
      const { rows } = await this.client.query<SessionRow>(
        `SELECT family_id, created_at, last_used_at, expires_at, client_user_agent, client_address_prefix
           FROM (
             SELECT DISTINCT ON (t.family_id)
                    t.family_id,
                    min(t.issued_at) OVER (PARTITION BY t.family_id) AS created_at,
                    t.issued_at AS last_used_at, t.expires_at, t.status,
                    t.client_user_agent, t.client_address_prefix
               FROM devauth_refresh_tokens t
              WHERE t.user_id = $1
                AND NOT EXISTS (SELECT 1 FROM devauth_revoked_token_families r WHERE r.family_id = t.family_id)
              ORDER BY t.family_id, (t.status = 'active') DESC, t.issued_at DESC, t.token_hash
           ) AS current
          WHERE status = 'active' AND expires_at > $2::timestamptz`,
        [userId, toTimestamp(now)],
      );
      return rows.map(toSessionInfo);
    } catch (error) {
      throw toStoreError(error, 'refreshTokens.listSessions');
    }
  }
}
