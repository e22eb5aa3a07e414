import type { AccountTokenPurpose, AccountTokenRecord } from '../domain/account-token.js';

/**
 * Persistence of single-use account tokens (password reset, email verification), by digest. At most one live token
 * per user and purpose; every operation is atomic.
 */
export interface AccountTokenStore {
  /** Stores `record` as the user's one token for its purpose: an earlier one of the same purpose stops working. */
  issue(record: AccountTokenRecord): Promise<void>;
  /**
   * Spends the token if it exists, has `purpose`, is the user's current token of that purpose and has not expired at
   * `now`, in one atomic step; returns it, or null without saying why. Of concurrent consumptions one wins.
   */
  consume(tokenHash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountTokenRecord | null>;
  /** Forgets every token of the user, of every purpose (a completed reset, a deleted account). Idempotent. */
  deleteAllForUser(userId: string): Promise<void>;
}
