/**
 * Password hashing. Implementations run the work off the event loop and produce/accept PHC strings
 * (`$<id>$<params>$<salt>$<hash>`), or the legacy formats they declare.
 */
export interface PasswordHasher {
  /** Hashes with the current parameters. `password` is already normalized and bounded by the caller. */
  hash(password: string): Promise<string>;
  /** True when `password` matches `encoded`. False (never a throw) for a malformed or unsupported `encoded`. */
  verify(encoded: string, password: string): Promise<boolean>;
  /** True when `encoded` is of another algorithm, or below the current parameters, and should be replaced. */
  needsRehash(encoded: string): boolean;
  /**
   * Optional: a hash, at the current parameters, of a password nobody knows, when one can be had without hashing
   * (shipped precomputed). Login verifies unknown usernames against it; without it, Login makes one on first use.
   */
  precomputedDummyHash?(): string | undefined;
}
