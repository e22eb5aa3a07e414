/**
 * scrypt (RFC 7914) through the async `node:crypto.scrypt`, which runs on the libuv thread pool (`scryptSync` would
 * block the event loop for the whole derivation and is never used). PHC form as written by passlib:
 * `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`, with N = 2^ln.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '../domain/errors.js';
import type { PrimaryPasswordHasher } from './password-hashing.js';
import { checkPhc, formatPhc, type PhcFormat, parsePhc, passwordBytes } from './phc.js';

export interface ScryptParameters {
  /** log2 of the CPU/memory cost N (`ln`). */
  readonly log2Cost: number;
  /** Block size r (`r`). */
  readonly blockSize: number;
  /** Parallelization p (`p`). */
  readonly parallelism: number;
  /** Derived key length in bytes. */
  readonly keyLength: number;
  /** Random salt length in bytes. */
  readonly saltLength: number;
}

/** OWASP Password Storage Cheat Sheet: N=2^17 (128 MiB), r=8, p=1; a 32-byte key and a 16-byte salt. */
export const OWASP_SCRYPT: ScryptParameters = Object.freeze({
  log2Cost: 17,
  blockSize: 8,
  parallelism: 1,
  keyLength: 32,
  saltLength: 16,
});

export type ScryptHasherOptions = Partial<ScryptParameters>;

export type ScryptCost = Pick<ScryptParameters, 'log2Cost' | 'blockSize' | 'parallelism' | 'keyLength'>;

/**
 * Ceilings for what a stored string (or a caller of `deriveScrypt`) may ask for: N ≤ 2^22, r ≤ 32, p ≤ 16, at most
 * 1 GiB of memory (128·N·r) and N·r·p ≤ 2^24 (16 times the OWASP cost), so no stored string costs more than a few
 * seconds or more memory than the argon2 ceiling.
 */
export const SCRYPT_LIMITS = Object.freeze({
  log2Cost: { min: 1, max: 22 },
  blockSize: { min: 1, max: 32 },
  parallelism: { min: 1, max: 16 },
  memoryBytes: 2 ** 30,
  work: 2 ** 24,
  saltBytes: { min: 8, max: 64 },
  hashBytes: { min: 16, max: 64 },
});

const MIN_KEY_LENGTH = 32;
const MIN_SALT_LENGTH = 16;
/** Slack above OpenSSL's own accounting of scrypt's buffers, which `maxmem` is compared with. */
const MAXMEM_MARGIN = 1024 * 1024;

const SCRYPT_FORMAT: PhcFormat<'ln' | 'r' | 'p'> = {
  ids: ['scrypt'],
  params: [
    { name: 'ln', ...SCRYPT_LIMITS.log2Cost },
    { name: 'r', ...SCRYPT_LIMITS.blockSize },
    { name: 'p', ...SCRYPT_LIMITS.parallelism },
  ],
  saltBytes: SCRYPT_LIMITS.saltBytes,
  hashBytes: SCRYPT_LIMITS.hashBytes,
};

/** Whether N·r·p and 128·N·r stay under the ceilings (each parameter on its own already has). */
function withinScryptLimits(cost: Pick<ScryptParameters, 'log2Cost' | 'blockSize' | 'parallelism'>): boolean {
  const n = 2 ** cost.log2Cost;
  return (
    n * cost.blockSize * cost.parallelism <= SCRYPT_LIMITS.work && 128 * n * cost.blockSize <= SCRYPT_LIMITS.memoryBytes
  );
}

/**
 * Raw scrypt key on the libuv pool: the one derivation every hash and verification here goes through.
 * Throws a RangeError for parameters outside `SCRYPT_LIMITS` (a programming error: stored strings are checked first).
 */
export async function deriveScrypt(password: string | Uint8Array, salt: Uint8Array, cost: ScryptCost): Promise<Buffer> {
  const { log2Cost, blockSize, parallelism, keyLength } = cost;
  const inRange = (value: number, range: { min: number; max: number }) =>
    Number.isSafeInteger(value) && value >= range.min && value <= range.max;
  if (
    !inRange(log2Cost, SCRYPT_LIMITS.log2Cost) ||
    !inRange(blockSize, SCRYPT_LIMITS.blockSize) ||
    !inRange(parallelism, SCRYPT_LIMITS.parallelism) ||
    !inRange(keyLength, { min: 1, max: 1024 }) ||
    !withinScryptLimits(cost)
  ) {
    throw new RangeError('scrypt parameters are outside the supported limits.');
  }
  const n = 2 ** log2Cost;
  // Node refuses any derivation needing more than `maxmem` (32 MiB by default, below N=2^17, r=8). OpenSSL counts
  // 128·r·(N + p + 2) bytes for the V and B buffers; allow exactly that plus a margin.
  const maxmem = 128 * blockSize * (n + parallelism + 2) + MAXMEM_MARGIN;
  const input = passwordBytes(password);
  return new Promise((resolve, reject) => {
    scrypt(input, salt, keyLength, { N: n, r: blockSize, p: parallelism, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

interface ParsedScrypt {
  readonly log2Cost: number;
  readonly blockSize: number;
  readonly parallelism: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** A bounded, well-formed scrypt PHC string, or `undefined`. */
export function parseScrypt(encoded: string): ParsedScrypt | undefined {
  const phc = parsePhc(encoded, SCRYPT_FORMAT);
  if (!phc) return undefined;
  const parsed = { log2Cost: phc.params.ln, blockSize: phc.params.r, parallelism: phc.params.p };
  if (!withinScryptLimits(parsed)) return undefined;
  return { ...parsed, salt: phc.salt, hash: phc.hash };
}

/** What `parseScrypt` accepts, decided without decoding salt and hash (an import checks every row with it). */
function isVerifiableScrypt(encoded: string): boolean {
  const phc = checkPhc(encoded, SCRYPT_FORMAT);
  return (
    phc !== undefined &&
    withinScryptLimits({ log2Cost: phc.params.ln, blockSize: phc.params.r, parallelism: phc.params.p })
  );
}

/** scrypt hasher; usable as the primary or as a verifier next to another primary. Options are checked here. */
export function createScryptHasher(options: ScryptHasherOptions = {}): PrimaryPasswordHasher {
  const params = resolveScryptParameters(options);

  return {
    algorithm: 'scrypt',

    recognizes: (encoded) => typeof encoded === 'string' && encoded.startsWith('$scrypt$'),

    accepts: (encoded) => typeof encoded === 'string' && isVerifiableScrypt(encoded),

    async hash(password) {
      const salt = randomBytes(params.saltLength);
      const hash = await deriveScrypt(password, salt, params);
      return formatPhc(SCRYPT_FORMAT, {
        id: 'scrypt',
        params: { ln: params.log2Cost, r: params.blockSize, p: params.parallelism },
        salt,
        hash,
      });
    },

    async verify(encoded, password) {
      const stored = parseScrypt(encoded);
      if (!stored) return false;
      const candidate = await deriveScrypt(password, stored.salt, { ...stored, keyLength: stored.hash.length });
      return timingSafeEqual(candidate, stored.hash);
    },

    needsRehash(encoded) {
      const stored = parseScrypt(encoded);
      if (!stored) return true;
      return (
        stored.log2Cost < params.log2Cost ||
        stored.blockSize < params.blockSize ||
        stored.parallelism < params.parallelism ||
        stored.hash.length < params.keyLength ||
        stored.salt.length < params.saltLength
      );
    },
  };
}

function resolveScryptParameters(options: ScryptHasherOptions): ScryptParameters {
  const params: ScryptParameters = {
    log2Cost: options.log2Cost ?? OWASP_SCRYPT.log2Cost,
    blockSize: options.blockSize ?? OWASP_SCRYPT.blockSize,
    parallelism: options.parallelism ?? OWASP_SCRYPT.parallelism,
    keyLength: options.keyLength ?? OWASP_SCRYPT.keyLength,
    saltLength: options.saltLength ?? OWASP_SCRYPT.saltLength,
  };
  requireInteger('log2Cost', params.log2Cost, SCRYPT_LIMITS.log2Cost);
  requireInteger('blockSize', params.blockSize, SCRYPT_LIMITS.blockSize);
  requireInteger('parallelism', params.parallelism, SCRYPT_LIMITS.parallelism);
  requireInteger('keyLength', params.keyLength, { min: MIN_KEY_LENGTH, max: SCRYPT_LIMITS.hashBytes.max });
  requireInteger('saltLength', params.saltLength, { min: MIN_SALT_LENGTH, max: SCRYPT_LIMITS.saltBytes.max });
  // A hash this hasher makes must also be one every devauth verifier accepts.
  if (!withinScryptLimits(params)) {
    throw new ConfigurationError(
      `scrypt N·r·p must be at most 2^24 and 128·N·r at most 1 GiB (got ln=${params.log2Cost}, r=${params.blockSize}, p=${params.parallelism}).`,
    );
  }
  return Object.freeze(params);
}

function requireInteger(name: string, value: number, range: { min: number; max: number }): void {
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigurationError(
      `scrypt ${name} must be an integer from ${range.min} to ${range.max} (got ${String(value)}).`,
    );
  }
}
