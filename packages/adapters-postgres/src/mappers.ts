import type {
  AccountTokenPurpose,
  AccountTokenRecord,
  AttemptState,
  ClientHint,
  InvitationRecord,
  PasswordNormalization,
  RefreshTokenRecord,
  RefreshTokenStatus,
  SessionInfo,
  UserRecord,
  UserStatus,
} from '@devauth/core';

/**
 * Rows <-> domain records. Timestamps go out as ISO-8601 strings (unambiguous whatever the session time zone or the
 * driver's Date serializer) and come back as Dates; a driver configured to return strings or numbers works too.
 */

export function toTimestamp(date: Date): string {
  return date.toISOString();
}

export function toDate(value: unknown): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value as string | number);
}

export function toNullableDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** int4 comes back as a number from both drivers; a bigint column or custom parser may hand over a string. */
function toInteger(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** The columns of a user, in the order `create` inserts them (`email_verified` since 0006). */
export const USER_COLUMNS =
  'id, username, email, role, password_hash, password_normalization, identity_id, status, created_at, updated_at, ' +
  'version, email_verified';

export interface UserRow {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly role: string;
  readonly password_hash: string;
  readonly password_normalization: string;
  readonly identity_id: string | null;
  readonly status: string;
  readonly created_at: unknown;
  readonly updated_at: unknown;
  readonly version: unknown;
  readonly email_verified: unknown;
}

/**
 * Both drivers return booleans; a custom type parser may hand over PostgreSQL's text form (`t`/`f`). Anything else
 * reads as false, the safe side for `email_verified` (NOT NULL DEFAULT false since 0006: rows written before the
 * column existed read as unverified).
 */
export function toBoolean(value: unknown): boolean {
  return value === true || value === 't' || value === 'true';
}

export function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    emailVerified: toBoolean(row.email_verified),
    role: row.role,
    passwordHash: row.password_hash,
    // The table's CHECK constraints hold these to the domain's values.
    passwordNormalization: row.password_normalization as PasswordNormalization,
    identityId: row.identity_id,
    status: row.status as UserStatus,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    version: toInteger(row.version),
  };
}

/** The columns of a refresh token, in the order `issue` and `rotate` insert them. */
export const REFRESH_TOKEN_COLUMNS =
  'token_hash, family_id, user_id, identity_id, status, issued_at, expires_at, family_expires_at, rotated_at, ' +
  'client_user_agent, client_address_prefix';

export interface RefreshTokenRow {
  readonly token_hash: string;
  readonly family_id: string;
  readonly user_id: string;
  readonly identity_id: string;
  readonly status: string;
  readonly issued_at: unknown;
  readonly expires_at: unknown;
  readonly family_expires_at: unknown;
  readonly rotated_at: unknown;
  readonly client_user_agent: string | null;
  readonly client_address_prefix: string | null;
}

/**
 * The two hint columns of a hint: both NULL for no hint. A hint whose members are both null has nothing to store and
 * reads back as no hint (null); the core never issues one.
 */
export function fromClientHint(hint: ClientHint | null): [userAgent: string | null, addressPrefix: string | null] {
  return [hint?.userAgent ?? null, hint?.addressPrefix ?? null];
}

/** Both columns NULL: no hint; otherwise the hint, a NULL member kept as null. */
export function toClientHint(userAgent: string | null, addressPrefix: string | null): ClientHint | null {
  return userAgent === null && addressPrefix === null ? null : { userAgent, addressPrefix };
}

export function toRefreshTokenRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    tokenHash: row.token_hash,
    familyId: row.family_id,
    userId: row.user_id,
    identityId: row.identity_id,
    status: row.status as RefreshTokenStatus,
    issuedAt: toDate(row.issued_at),
    expiresAt: toDate(row.expires_at),
    familyExpiresAt: toDate(row.family_expires_at),
    rotatedAt: toNullableDate(row.rotated_at),
    clientHint: toClientHint(row.client_user_agent, row.client_address_prefix),
  };
}

export interface SessionRow {
  readonly family_id: string;
  readonly created_at: unknown;
  readonly last_used_at: unknown;
  readonly expires_at: unknown;
  readonly client_user_agent: string | null;
  readonly client_address_prefix: string | null;
}

export function toSessionInfo(row: SessionRow): SessionInfo {
  return {
    familyId: row.family_id,
    createdAt: toDate(row.created_at),
    lastUsedAt: toDate(row.last_used_at),
    expiresAt: toDate(row.expires_at),
    clientHint: toClientHint(row.client_user_agent, row.client_address_prefix),
  };
}

export interface AttemptRow {
  readonly key: string;
  readonly consecutive_failures: unknown;
  readonly last_failure_at: unknown;
}

export function toAttemptState(row: AttemptRow): AttemptState {
  return {
    key: row.key,
    consecutiveFailures: toInteger(row.consecutive_failures),
    lastFailureAt: toDate(row.last_failure_at),
  };
}

export const ACCOUNT_TOKEN_COLUMNS = 'token_hash, purpose, user_id, email, created_at, expires_at';

export interface AccountTokenRow {
  readonly token_hash: string;
  readonly purpose: string;
  readonly user_id: string;
  readonly email: string | null;
  readonly created_at: unknown;
  readonly expires_at: unknown;
}

export function toAccountTokenRecord(row: AccountTokenRow): AccountTokenRecord {
  return {
    tokenHash: row.token_hash,
    // The table's CHECK constraint holds it to the domain's values.
    purpose: row.purpose as AccountTokenPurpose,
    userId: row.user_id,
    email: row.email,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
  };
}

export const INVITATION_COLUMNS = 'code_hash, role, created_at, expires_at, used_at';

export interface InvitationRow {
  readonly code_hash: string;
  readonly role: string;
  readonly created_at: unknown;
  readonly expires_at: unknown;
  readonly used_at: unknown;
}

export function toInvitationRecord(row: InvitationRow): InvitationRecord {
  return {
    codeHash: row.code_hash,
    role: row.role,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    usedAt: toNullableDate(row.used_at),
  };
}
