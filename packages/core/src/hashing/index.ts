/** Password hashing: argon2id (default) and scrypt hashers, bcrypt and Django PBKDF2 verifiers, and their composition. */
export {
  type Argon2idHasherOptions,
  type Argon2idParameters,
  createArgon2idHasher,
  OWASP_ARGON2ID,
} from './argon2id.hasher.js';
export { type BcryptVerifierOptions, createBcryptVerifier } from './bcrypt.verifier.js';
export {
  createDefaultPasswordHasher,
  createPasswordHashing,
  type DefaultPasswordHasherOptions,
  type HashVerifier,
  type PasswordHashingOptions,
  type PrimaryPasswordHasher,
} from './password-hashing.js';
export { createPbkdf2Sha256Verifier, type Pbkdf2VerifierOptions } from './pbkdf2.verifier.js';
export {
  createScryptHasher,
  OWASP_SCRYPT,
  type ScryptHasherOptions,
  type ScryptParameters,
} from './scrypt.hasher.js';
