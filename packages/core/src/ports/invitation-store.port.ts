import type { InvitationRecord } from '../domain/invitation.js';

/** Persistence of invitation codes, by digest. `consume` is atomic: a code is used at most once. */
export interface InvitationStore {
  create(record: InvitationRecord): Promise<void>;
  /**
   * Marks the invitation used if it exists, grants `role`, is unused and not expired at `now`, in one atomic step.
   * Returns false otherwise (without saying which: callers answer one "invalid invitation").
   */
  consume(codeHash: string, role: string, now: Date): Promise<boolean>;
  /** Undoes a `consume` whose registration then failed (e.g. username taken), so the code is not burnt. */
  release(codeHash: string): Promise<void>;
  /**
   * Invitations newest first (by `createdAt`, then `codeHash`, both descending), used and expired ones included until the store drops
   * them, with ONE round trip per page; `after` is the previous page's `nextCursor` (opaque; a foreign one throws
   * ValidationError, path `cursor`). May be eventually consistent.
   */
  list(query: { readonly after?: string; readonly limit: number }): Promise<{
    readonly invitations: readonly InvitationRecord[];
    readonly nextCursor: string | null;
  }>;
  /** Removes the invitation, so it can no longer be consumed. True if it existed. Idempotent. */
  revoke(codeHash: string): Promise<boolean>;
}
