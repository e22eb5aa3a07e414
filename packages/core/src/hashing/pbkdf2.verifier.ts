/**
 * Verify-only Django PBKDF2-SHA256: `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>` (padded
 * standard base64, the salt used as its UTF-8 text), derived with the async `node:crypto.pbkdf2` on the libuv
 * thread pool. devauth never makes these; a user who logs in with one gets an argon2id hash.
 */
import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '../domain/errors.js';
import type { HashVerifier } from './password-hashing.js';
import { parseDecimal, passwordBytes } from './phc.js';

export interface Pbkdf2VerifierOptions {
  /** Most iterations a stored hash may ask for; default 10,000,000 (Django 5.2 writes 1,000,000). */
  readonly maxIterations?: number;
}

const DEFAULT_MAX_ITERATIONS = 10_000_000;
/** What a user could configure at most: far above any real deployment, and still a bounded amount of work. */
const CEILING_MAX_ITERATIONS = 100_000_000;
const PREFIX = 'pbkdf2_sha256$';
const KEY_LENGTH = 32;
/** Django salts are alphanumeric; any printable ASCII but `$` (the separator) is accepted, up to 128 characters. */
const SALT = /^[!-#%-~]{1,128}$/;
/** 32 bytes in padded standard base64. */
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
/** No valid hash is longer: the prefix, 9 digits, 128 salt characters, the key and the separators. */
const MAX_ENCODED_LENGTH = 256;

/** Raw PBKDF2-HMAC-SHA256 on the libuv pool: the derivation the verifier goes through. */
export async function derivePbkdf2Sha256(
  password: string | Uint8Array,
  salt: string | Uint8Array,
  iterations: number,
  keyLength: number,
): Promise<Buffer> {
  const input = passwordBytes(password);
  const saltBytes = typeof salt === 'string' ? Buffer.from(salt, 'utf8') : salt;
  return new Promise((resolve, reject) => {
    pbkdf2(input, saltBytes, iterations, keyLength, 'sha256', (error, key) => (error ? reject(error) : resolve(key)));
  });
}

interface ParsedDjangoPbkdf2 {
  readonly iterations: number;
  readonly salt: string;
  readonly key: Buffer;
}

/** A well-formed Django pbkdf2_sha256 string with iterations in 1..`maxIterations`, or `undefined`. */
export function parseDjangoPbkdf2Sha256(encoded: string, maxIterations: number): ParsedDjangoPbkdf2 | undefined {
  if (typeof encoded !== 'string' || encoded.length > MAX_ENCODED_LENGTH || !encoded.startsWith(PREFIX)) {
    return undefined;
  }
  const parts = encoded.slice(PREFIX.length).split('$');
  if (parts.length !== 3) return undefined;
  const [iterationsText, salt, keyText] = parts as [string, string, string];
  const iterations = parseDecimal(iterationsText);
  if (iterations === undefined || iterations < 1 || iterations > maxIterations) return undefined;
  if (!SALT.test(salt) || !KEY_BASE64.test(keyText)) return undefined;
  const key = Buffer.from(keyText, 'base64');
  // Exactly one spelling per key: the last character before `=` may not carry stray low bits.
  if (key.length !== KEY_LENGTH || key.toString('base64') !== keyText) return undefined;
  return { iterations, salt, key };
}

export function createPbkdf2Sha256Verifier(options: Pbkdf2VerifierOptions = {}): HashVerifier {
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1 || maxIterations > CEILING_MAX_ITERATIONS) {
    throw new ConfigurationError(`pbkdf2 maxIterations must be an integer from 1 to ${CEILING_MAX_ITERATIONS}.`);
  }

  return {
    algorithm: 'pbkdf2_sha256',

    recognizes: (encoded) => typeof encoded === 'string' && encoded.startsWith(PREFIX),

    accepts: (encoded) => parseDjangoPbkdf2Sha256(encoded, maxIterations) !== undefined,

    async verify(encoded, password) {
      const stored = parseDjangoPbkdf2Sha256(encoded, maxIterations);
      if (!stored) return false;
      const candidate = await derivePbkdf2Sha256(password, stored.salt, stored.iterations, KEY_LENGTH);
      // timingSafeEqual throws on a length mismatch; both are KEY_LENGTH bytes, checked rather than assumed.
      return candidate.length === stored.key.length && timingSafeEqual(candidate, stored.key);
    },
  };
}
