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
}

export type RotationOutcome = 'rotated' | 'not_active';
