import {
  type DevauthError,
  EmailTakenError,
  IdentityTakenError,
  type UserCreateOutcome,
  type UserListQuery,
  UsernameTakenError,
  type UserPage,
  type UserRecord,
  type UserStore,
  VersionConflictError,
} from '@devauth/core';
import { toStoreError } from './errors.js';
import { toTimestamp, toUserRecord, USER_COLUMNS, type UserRow } from './mappers.js';
import { CREATE_MANY_LIMIT, createUsers } from './postgres-user-import.js';
import { listUsers } from './postgres-user-list.js';
import type { SqlClient } from './sql-client.js';

/**
 * Names from 0001_init.sql and 0002_guest_links_identity_unique.sql: a unique violation says which rule failed
 * through the constraint (unique index) it names.
 */
const USERNAME_CONSTRAINT = 'devauth_users_username_key';
const EMAIL_CONSTRAINT = 'devauth_users_email_key';
const IDENTITY_CONSTRAINT = 'devauth_users_identity_id_key';

function uniquenessError(constraint: string | undefined): DevauthError | undefined {
  if (constraint === USERNAME_CONSTRAINT) return new UsernameTakenError();
  if (constraint === EMAIL_CONSTRAINT) return new EmailTakenError();
  if (constraint === IDENTITY_CONSTRAINT) return new IdentityTakenError();
  return undefined;
}

/**
 * Users in `devauth_users`. Every method is one statement: uniqueness is enforced by the unique indexes as part of
 * the INSERT/UPDATE itself (no check-then-write window), and updates are conditional on the previous version.
 * The administration's listing and import live in postgres-user-list.ts and postgres-user-import.ts.
 */
export class PostgresUserStore implements UserStore {
  /** Users per `createMany` call: one statement (see postgres-user-import.ts). */
  readonly createManyLimit = CREATE_MANY_LIMIT;

  constructor(private readonly client: SqlClient) {}

  async create(user: UserRecord): Promise<void> {
    try {
      await this.client.query(
        `INSERT INTO devauth_users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          user.id,
          user.username,
          user.email,
          user.role,
          user.passwordHash,
          user.passwordNormalization,
          user.identityId,
          user.status,
          toTimestamp(user.createdAt),
          toTimestamp(user.updatedAt),
          user.version,
          user.emailVerified,
        ],
      );
    } catch (error) {
      throw toStoreError(error, 'users.create', uniquenessError);
    }
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.findOne('users.findById', `SELECT ${USER_COLUMNS} FROM devauth_users WHERE id = $1`, id);
  }

  /** The login lookup: one indexed read on the unique username index. */
  findByUsername(username: string): Promise<UserRecord | null> {
    return this.findOne(
      'users.findByUsername',
      `SELECT ${USER_COLUMNS} FROM devauth_users WHERE username = $1`,
      username,
    );
  }

  /**
   * The login-by-email lookup: one read on the unique index devauth_users_email_key (partial, WHERE email IS NOT
   * NULL, which `email = $1` implies), so at most one row matches, verified or not. It reads the row itself, as
   * findByUsername does: strongly consistent, no copy that could lag behind an update.
   */
  findByEmail(email: string): Promise<UserRecord | null> {
    return this.findOne('users.findByEmail', `SELECT ${USER_COLUMNS} FROM devauth_users WHERE email = $1`, email);
  }

  /** One read on the unique index devauth_users_identity_id_key: at most one row can match. */
  findByIdentityId(identityId: string): Promise<UserRecord | null> {
    return this.findOne(
      'users.findByIdentityId',
      `SELECT ${USER_COLUMNS} FROM devauth_users WHERE identity_id = $1`,
      identityId,
    );
  }

  async update(next: UserRecord): Promise<void> {
    let rows: unknown[];
    try {
      ({ rows } = await this.client.query(
        `UPDATE devauth_users
            SET username = $2, email = $3, role = $4, password_hash = $5, password_normalization = $6,
                identity_id = $7, status = $8, created_at = $9, updated_at = $10, version = $11,
                email_verified = $13
          WHERE id = $1 AND version = $12
          RETURNING id`,
        [
          next.id,
          next.username,
          next.email,
          next.role,
          next.passwordHash,
          next.passwordNormalization,
          next.identityId,
          next.status,
          toTimestamp(next.createdAt),
          toTimestamp(next.updatedAt),
          next.version,
          next.version - 1,
          next.emailVerified,
        ],
      ));
    } catch (error) {
      throw toStoreError(error, 'users.update', uniquenessError);
    }
    // No row: the user is gone or someone else wrote a version in between.
    if (rows.length === 0) throw new VersionConflictError('user');
  }

  async delete(id: string): Promise<void> {
    try {
      // Uniqueness lives in the row's own indexes: deleting the row frees its username, email and IdentityId.
      await this.client.query('DELETE FROM devauth_users WHERE id = $1', [id]);
    } catch (error) {
      throw toStoreError(error, 'users.delete');
    }
  }

  /** One SELECT per page: keyset on `username COLLATE "C"`, the filters in the statement (postgres-user-list.ts). */
  list(query: UserListQuery): Promise<UserPage> {
    return listUsers(this.client, query);
  }

  /**
   * One `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING` for the whole batch, which also reads why a user
   * was skipped (postgres-user-import.ts). A second statement only for users skipped for a row committed meanwhile.
   */
  createMany(users: readonly UserRecord[]): Promise<readonly UserCreateOutcome[]> {
    return createUsers(this.client, users);
  }

  private async findOne(operation: string, text: string, value: string): Promise<UserRecord | null> {
    try {
      const { rows } = await this.client.query<UserRow>(text, [value]);
      const row = rows[0];
      return row ? toUserRecord(row) : null;
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }
}
