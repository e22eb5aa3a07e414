import { digestSecretToken, newSecretToken, REFRESH_TOKEN_PREFIX } from './secret-token.js';

export type RefreshTokenStatus = 'active' | 'rotated' | 'revoked';

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
    },
  };
}
