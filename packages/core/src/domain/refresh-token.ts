import { digestSecretToken, newSecretToken, REFRESH_TOKEN_PREFIX } from './secret-token.js';

export type RefreshTokenStatus = 'active' | 'rotated' | 'revoked';

/**
 * What a user is shown to recognise a session by: coarse on purpose (a browser and system family, an address
 * prefix), never a full user agent or address, and never a token.
 */
export interface ClientHint {
  /** e.g. `Firefox on Linux`, `Safari on iOS`, `okhttp`; at most 64 characters. */
  readonly userAgent: string | null;
  /** The address's network: `/24` for IPv4, `/48` for IPv6 (e.g. `203.0.113.0/24`). */
  readonly addressPrefix: string | null;
}

/** One session (a refresh-token family) as its owner may see it. */
export interface SessionInfo {
  readonly familyId: string;
  /** When the login that started it happened. */
  readonly createdAt: Date;
  /** When it was last refreshed (its current token's issue time). */
  readonly lastUsedAt: Date;
  /** When its current refresh token expires (a refresh before then extends it, up to the family's end). */
  readonly expiresAt: Date;
  readonly clientHint: ClientHint | null;
}

/** A stored refresh token. Only the digest of the token is kept (see secret-token.ts). */
export interface RefreshTokenRecord {
  readonly tokenHash: string;
  /** Every token descending from one login shares a family; reuse of a rotated token revokes the family. */
  readonly familyId: string;
  readonly userId: string;
  readonly identityId: string;
  readonly status: RefreshTokenStatus;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** Absolute end of the family: rotation never extends a session beyond it. */
  readonly familyExpiresAt: Date;
  /** When `rotate` retired it (its successor's `issuedAt`); null while active or never rotated. */
  readonly rotatedAt: Date | null;
  /** The client the family was started from (kept by every rotation); null when the edge gave none. */
  readonly clientHint: ClientHint | null;
}

export type RotationOutcome = 'rotated' | 'not_active';

export interface MintedRefreshToken {
  /** The secret handed to the client once; only its digest is stored. */
  readonly token: string;
  readonly record: RefreshTokenRecord;
}

/** A new active token in `familyId`, expiring after `ttlSeconds` but never after the family does. */
export function mintRefreshToken(params: {
  readonly familyId: string;
  readonly userId: string;
  readonly identityId: string;
  readonly now: Date;
  readonly ttlSeconds: number;
  readonly familyExpiresAt: Date;
  readonly clientHint?: ClientHint | null;
}): MintedRefreshToken {
  const token = newSecretToken(REFRESH_TOKEN_PREFIX);
  const expiresAt = new Date(
    Math.min(params.now.getTime() + params.ttlSeconds * 1000, params.familyExpiresAt.getTime()),
  );
  return {
    token,
    record: {
      tokenHash: digestSecretToken(token),
      familyId: params.familyId,
      userId: params.userId,
      identityId: params.identityId,
      status: 'active',
      issuedAt: params.now,
      expiresAt,
      familyExpiresAt: params.familyExpiresAt,
      rotatedAt: null,
      clientHint: params.clientHint ?? null,
    },
  };
}
