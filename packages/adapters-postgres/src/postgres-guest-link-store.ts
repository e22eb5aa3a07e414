import type { GuestLinkRecord, GuestLinkStore } from '@devauth/core';
import { toStoreError } from './errors.js';
import { toTimestamp } from './mappers.js';
import type { SqlClient } from './sql-client.js';

/**
 * Guest links in `devauth_guest_links`, by the digest of their secret. `consume` is one conditional UPDATE, like an
 * invitation's: of concurrent consumers, the first to lock the row sets `used_at`; the others wait on the row lock,
 * re-check `used_at IS NULL` against the committed row and update nothing. A wrong IdentityId, an expired or an
 * unknown link all answer false alike.
 */
export class PostgresGuestLinkStore implements GuestLinkStore {
  constructor(private readonly client: SqlClient) {}

  async create(record: GuestLinkRecord): Promise<void> {
    try {
      await this.client.query(
        `INSERT INTO devauth_guest_links (secret_hash, identity_id, created_at, expires_at, used_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          record.secretHash,
          record.identityId,
          toTimestamp(record.createdAt),
          toTimestamp(record.expiresAt),
          record.usedAt === null ? null : toTimestamp(record.usedAt),
        ],
      );
    } catch (error) {
      throw toStoreError(error, 'guestLinks.create');
    }
  }

  async consume(secretHash: string, identityId: string, now: Date): Promise<boolean> {
    try {
      const { rows } = await this.client.query(
        `UPDATE devauth_guest_links SET used_at = $3::timestamptz
          WHERE secret_hash = $1 AND used_at IS NULL AND identity_id = $2 AND expires_at > $3::timestamptz
          RETURNING secret_hash`,
        [secretHash, identityId, toTimestamp(now)],
      );
      return rows.length === 1;
    } catch (error) {
      throw toStoreError(error, 'guestLinks.consume');
    }
  }

  async release(secretHash: string): Promise<void> {
    try {
      await this.client.query('UPDATE devauth_guest_links SET used_at = NULL WHERE secret_hash = $1', [secretHash]);
    } catch (error) {
      throw toStoreError(error, 'guestLinks.release');
    }
  }
}
