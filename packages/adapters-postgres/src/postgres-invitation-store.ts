import type { InvitationRecord, InvitationStore } from '@devauth/core';
import { assertPageLimit, decodeInvitationCursor, encodeInvitationCursor } from '@devauth/core';
import { toStoreError } from './errors.js';
import { CURSOR_KIND } from './list-cursor.js';
import { INVITATION_COLUMNS, type InvitationRow, toInvitationRecord, toTimestamp } from './mappers.js';
import type { SqlClient } from './sql-client.js';

/**
 * Invitations in `devauth_invitations`. `consume` is one conditional UPDATE: of concurrent consumers, the first to
 * lock the row sets `used_at`; the others re-check `used_at IS NULL` against the committed row and update nothing.
 */
export class PostgresInvitationStore implements InvitationStore {
  constructor(private readonly client: SqlClient) {}

  async create(record: InvitationRecord): Promise<void> {
    try {
      await this.client.query(`INSERT INTO devauth_invitations (${INVITATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [
        record.codeHash,
        record.role,
        toTimestamp(record.createdAt),
        toTimestamp(record.expiresAt),
        record.usedAt === null ? null : toTimestamp(record.usedAt),
      ]);
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

  /**
   * One SELECT per page on devauth_invitations_listing_idx (migration 0007): newest first, then by digest in code
   * point order (`COLLATE "C"`, as the other stores compare it), both descending; keyset from the position of the
   * previous page's last invitation, a row comparison the index answers as one range. `LIMIT limit + 1` says whether
   * a page follows. Used and expired invitations are listed like the others; revoked ones are gone.
   */
  async list(query: { readonly after?: string; readonly limit: number }): Promise<{
    readonly invitations: readonly InvitationRecord[];
    readonly nextCursor: string | null;
  }> {
    assertPageLimit(query.limit);
    const after = query.after === undefined ? undefined : decodeInvitationCursor(CURSOR_KIND.invitations, query.after);
    const text =
      after === undefined
        ? `SELECT ${INVITATION_COLUMNS} FROM devauth_invitations
            ORDER BY created_at DESC, code_hash COLLATE "C" DESC LIMIT $1`
        : `SELECT ${INVITATION_COLUMNS} FROM devauth_invitations
            WHERE (created_at, code_hash COLLATE "C") < ($2::timestamptz, $3)
            ORDER BY created_at DESC, code_hash COLLATE "C" DESC LIMIT $1`;
    const values =
      after === undefined ? [query.limit + 1] : [query.limit + 1, toTimestamp(after.createdAt), after.codeHash];
    let rows: InvitationRow[];
    try {
      ({ rows } = await this.client.query<InvitationRow>(text, values));
    } catch (error) {
      throw toStoreError(error, 'invitations.list');
    }
    const invitations = rows.slice(0, query.limit).map(toInvitationRecord);
    const last = invitations[invitations.length - 1];
    return {
      invitations,
      nextCursor: rows.length > query.limit && last ? encodeInvitationCursor(CURSOR_KIND.invitations, last) : null,
    };
  }

  /**
   * One DELETE: the invitation is gone, as the port says, so neither `consume` nor `release` (an UPDATE of a row
   * that does not exist) nor a listing can find it again. RETURNING says whether there was one.
   */
  async revoke(codeHash: string): Promise<boolean> {
    try {
      const { rows } = await this.client.query(
        'DELETE FROM devauth_invitations WHERE code_hash = $1 RETURNING code_hash',
        [codeHash],
      );
      return rows.length === 1;
    } catch (error) {
      throw toStoreError(error, 'invitations.revoke');
    }
  }
}
