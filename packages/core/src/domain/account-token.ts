import { digestSecretToken, newSecretToken } from './secret-token.js';

/** What a single-use account token is for: a password reset, or proving an email address. */
export type AccountTokenPurpose = 'password-reset' | 'email-verification';

export const ACCOUNT_TOKEN_PREFIXES: Readonly<Record<AccountTokenPurpose, string>> = {
  'password-reset': 'pwr',
  'email-verification': 'emv',
};

/**
 * A single-use token sent to the user (never stored: only its SHA-256 digest is). A user has at most one live token
 * per purpose: issuing a new one replaces the previous one, which then no longer works.
 */
export interface AccountTokenRecord {
  readonly tokenHash: string;
  readonly purpose: AccountTokenPurpose;
  readonly userId: string;
  /** The address an email-verification token proves (the user's current or requested new address); null otherwise. */
  readonly email: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface MintedAccountToken {
  readonly token: string;
  readonly record: AccountTokenRecord;
}

export function mintAccountToken(params: {
  readonly purpose: AccountTokenPurpose;
  readonly userId: string;
  readonly email?: string | null;
  readonly now: Date;
  readonly ttlSeconds: number;
}): MintedAccountToken {
  const token = newSecretToken(ACCOUNT_TOKEN_PREFIXES[params.purpose]);
  return {
    token,
    record: {
      tokenHash: digestSecretToken(token),
      purpose: params.purpose,
      userId: params.userId,
      email: params.email ?? null,
      createdAt: params.now,
      expiresAt: new Date(params.now.getTime() + params.ttlSeconds * 1000),
    },
  };
}
