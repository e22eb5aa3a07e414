import type { GuestLinkRecord } from '../domain/guest-link.js';

/** Persistence of guest link secrets, by digest. `consume` is atomic: a secret links at most one login. */
export interface GuestLinkStore {
  create(record: GuestLinkRecord): Promise<void>;
  /**
   * Marks the link used if it exists, is bound to `identityId`, is unused and is not expired at `now`, in one atomic
   * step. Returns false otherwise, without saying which (the login then simply links nothing).
   */
  consume(secretHash: string, identityId: string, now: Date): Promise<boolean>;
  /**
   * Undoes a `consume` whose login then failed before the identity was linked (the identity broker was unreachable),
   * so the guest can retry. Only the guest holds the secret, so giving it back never helps anyone else.
   */
  release(secretHash: string): Promise<void>;
}
