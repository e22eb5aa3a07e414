/**
 * One `PasswordHasher` out of a primary hasher and verify-only verifiers, so an existing user store can move to
 * devauth as is: every supported format verifies, new hashes come from the primary, and `needsRehash` marks every
 * hash the primary did not make at its current parameters, so the login use case replaces it on the next success.
 */
import { ConfigurationError } from '../domain/errors.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import { type Argon2idHasherOptions, createArgon2idHasher } from './argon2id.hasher.js';
import { type BcryptVerifierOptions, createBcryptVerifier } from './bcrypt.verifier.js';
import { createPbkdf2Sha256Verifier, type Pbkdf2VerifierOptions } from './pbkdf2.verifier.js';
import { createScryptHasher } from './scrypt.hasher.js';

/** Verifies one family of encodings. Verify-only legacy schemes are just this. */
export interface HashVerifier {
  /** The family's name, for diagnostics. */
  readonly algorithm: string;
  /** Whether `encoded` belongs to this family (a prefix test: well-formed or not, nobody else should try it). */
  recognizes(encoded: string): boolean;
  /** True when `password` matches; false for a wrong password or a malformed or out-of-bounds `encoded`. */
  verify(encoded: string, password: string): Promise<boolean>;
  /**
   * Optional, for an `encoded` this verifier `recognizes`: whether `verify` would actually check it (well formed,
   * parameters within this verifier's bounds), by parsing only. Without it, every recognized string counts as
   * verifiable (for `PasswordHasher.recognizes`, which imports rely on).
   */
  accepts?(encoded: string): boolean;
}

/**
 * A hasher that can be the primary: it hashes, verifies its own family, and says whether an encoding is below its
 * current parameters (true for anything not its own algorithm).
 */
export interface PrimaryPasswordHasher extends PasswordHasher, HashVerifier {
  /** Required here: the family test (a prefix) that the composition dispatches on. */
  recognizes(encoded: string): boolean;
}

export interface PasswordHashingOptions {
  readonly primary: PrimaryPasswordHasher;
  /** Tried after the primary, in order; the first that recognizes an encoding verifies it. */
  readonly verifiers?: readonly HashVerifier[];
}

export function createPasswordHashing(options: PasswordHashingOptions): PasswordHasher {
  const primary = options?.primary;
  if (!primary || typeof primary.hash !== 'function' || typeof primary.needsRehash !== 'function') {
    throw new ConfigurationError('createPasswordHashing needs a primary hasher (e.g. createArgon2idHasher()).');
  }
  const verifiers = [primary, ...(options.verifiers ?? [])];
  if (!verifiers.every((verifier) => typeof verifier?.recognizes === 'function')) {
    throw new ConfigurationError('Every password verifier must implement recognizes() and verify().');
  }

  return {
    hash: (password) => primary.hash(password),

    async verify(encoded, password) {
      if (typeof encoded !== 'string') return false;
      const verifier = verifiers.find((candidate) => candidate.recognizes(encoded));
      return verifier ? verifier.verify(encoded, password) : false;
    },

    needsRehash: (encoded) => typeof encoded !== 'string' || primary.needsRehash(encoded),

    // The verifier `verify` would pick, and then whether that one would really check the string: a malformed
    // bcrypt string or an argon2 one above the work limits is recognized by its prefix but never verifies.
    recognizes(encoded) {
      if (typeof encoded !== 'string') return false;
      const verifier = verifiers.find((candidate) => candidate.recognizes(encoded));
      return verifier !== undefined && (verifier.accepts?.(encoded) ?? true);
    },

    precomputedDummyHash: () => primary.precomputedDummyHash?.(),
  };
}

export interface DefaultPasswordHasherOptions {
  /** Parameters (and optional pepper) of the argon2id primary; default OWASP m=19456 KiB, t=2, p=1. */
  readonly argon2id?: Argon2idHasherOptions;
  readonly bcrypt?: BcryptVerifierOptions;
  readonly pbkdf2?: Pbkdf2VerifierOptions;
}

/**
 * devauth's default: argon2id at OWASP parameters as the primary, verifying argon2 (any variant), scrypt, bcrypt and
 * Django PBKDF2-SHA256 hashes. Does no work until first use.
 */
export function createDefaultPasswordHasher(options: DefaultPasswordHasherOptions = {}): PasswordHasher {
  return createPasswordHashing({
    primary: createArgon2idHasher(options.argon2id),
    verifiers: [
      // Only verifies here, so its own hashing parameters never matter.
      createScryptHasher(),
      createBcryptVerifier(options.bcrypt),
      createPbkdf2Sha256Verifier(options.pbkdf2),
    ],
  });
}
