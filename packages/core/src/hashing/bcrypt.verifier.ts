/**
 * Verify-only bcrypt (`$2a$`, `$2b$`, `$2y$`, as written by OpenBSD, crypt_blowfish, PHP and htpasswd) through the
 * async `@node-rs/bcrypt` verify, on the libuv thread pool. devauth never makes bcrypt hashes: bcrypt ignores
 * everything after the 72nd password byte, so a user who logs in with a bcrypt hash gets an argon2id one.
 * `$2x$` (crypt_blowfish's label for hashes made by its old sign-extension bug) is refused.
 */
import { ConfigurationError } from '../domain/errors.js';
import type { HashVerifier } from './password-hashing.js';
import { passwordBytes } from './phc.js';

export interface BcryptVerifierOptions {
  /**
   * Highest cost (log2 of the rounds) a stored hash may ask for; default 16, about 5 s per check on a fast core.
   * Each step doubles the work, and the format allows 31: a stored string cannot make verify run for days.
   */
  readonly maxCost?: number;
}

const DEFAULT_MAX_COST = 16;
const MIN_COST = 4;
const MAX_COST = 31;

/** `$2b$12$` + 22 characters of salt + 31 of hash, in bcrypt's own base64 alphabet. */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

export function createBcryptVerifier(options: BcryptVerifierOptions = {}): HashVerifier {
  const maxCost = options.maxCost ?? DEFAULT_MAX_COST;
  if (!Number.isSafeInteger(maxCost) || maxCost < MIN_COST || maxCost > MAX_COST) {
    throw new ConfigurationError(`bcrypt maxCost must be an integer from ${MIN_COST} to ${MAX_COST}.`);
  }

  /** `$2a$`/`$2b$`/`$2y$`, the exact length and alphabet, a cost from 4 to `maxCost`. */
  const withinBounds = (encoded: string): boolean => {
    const match = typeof encoded === 'string' ? BCRYPT_HASH.exec(encoded) : null;
    const cost = Number(match?.[1]);
    return match !== null && cost >= MIN_COST && cost <= maxCost;
  };

  return {
    algorithm: 'bcrypt',

    recognizes: (encoded) => typeof encoded === 'string' && /^\$2[abxy]\$/.test(encoded),

    accepts: (encoded) => withinBounds(encoded),

    async verify(encoded, password) {
      if (!withinBounds(encoded)) return false;
      // The library answers false (not an error) for an encoding it rejects; the checks above bound the work.
      const { verify } = await loadBcrypt();
      return verify(passwordBytes(password), encoded);
    },
  };
}

/**
 * The bcrypt native addon is loaded on the first bcrypt verification only: most deployments never see a legacy hash,
 * and a Lambda should not pay for loading it at cold start.
 */
let bcrypt: Promise<typeof import('@node-rs/bcrypt')> | undefined;
function loadBcrypt(): Promise<typeof import('@node-rs/bcrypt')> {
  bcrypt ??= import('@node-rs/bcrypt');
  return bcrypt;
}
