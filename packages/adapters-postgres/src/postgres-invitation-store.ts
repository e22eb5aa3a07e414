import type { InvitationRecord, InvitationStore } from '@devauth/core';
import { toStoreError } from './errors.js';
import { toTimestamp } from './mappers.js';
import type { SqlClient } from './sql-client.js';

/**
 * Invitations in `devauth_invitations`. `consume` is one conditional UPDATE: of concurrent consumers, the first to
 * lock the row sets `used_at`; the others re-check `used_at IS NULL` against the committed row and update nothing.
 */
export class PostgresInvitationStore implements InvitationStore {
  constructor(private readonly client: SqlClient) {}

  async create(record: InvitationRecord): Promise<void> {
    try {
      await this.client.query(
        'INSERT INTO devauth_invitations (code_hash, role, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)',
        [
          record.codeHash,
          record.role,
          toTimestamp(record.createdAt),
          toTimestamp(record.expiresAt),
          record.usedAt === null ? null : toTimestamp(record.usedAt),
        ],
      );
    } catch (error) {
      throw toStoreError(error, 'invitations.create');
    }
  }

  async consume(codeHash: string, role: string, now: Date): Promise<boolean> {
    try {
      const { rows } = await this.client.query(
        `UPDATE devauth_invitations SET used_at = $3::timestamptz
          WHERE code_hash = $1 AND role = $2 AND used_at IS NULL AND expires_at > $3::timestamptz
          RETURNING code_hash`,
        [codeHash, role, toTimestamp(now)],
      );
      return rows.length === 1;
    } catch (error) {
      throw toStoreError(error, 'invitations.consume');
    }
  }

  async release(codeHash: string): Promise<void> {
    try {
      await this.client.query('UPDATE devauth_invitations SET used_at = NULL WHERE code_hash = $1', [codeHash]);
    } catch (error) {
      throw toStoreError(error, 'invitations.release');
    }
  }
}
