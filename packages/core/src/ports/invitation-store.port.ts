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
}
