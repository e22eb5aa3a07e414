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
   * Optional: whether `encoded` is a hash `verify` can check, by inspection only (no hashing, microseconds): a
   * format it verifies, well formed and within the bounds it accepts. A password that matches may still not exist
   * (a pepper the hash was made without cannot be seen), but a hash this answers false for never verifies.
   * `ImportUsers` refuses imported hashes without it (a hasher that does not implement it can import users without
   * a password only), and Login treats a stored hash it does not recognize (a corrupt one, an imported user without
   * a password) like an unknown user's: one verification against the dummy hash, so the answer takes as long.
   */
  recognizes?(encoded: string): boolean;
  /**
   * Optional: a hash, at the current parameters, of a password nobody knows, when one can be had without hashing
   * (shipped precomputed). Login verifies unknown usernames against it; without it, Login makes one on first use.
   */
  precomputedDummyHash?(): string | undefined;
}
