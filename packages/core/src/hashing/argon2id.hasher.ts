/**
 * Argon2id (RFC 9106) through `@node-rs/argon2`, whose async functions run on the libuv thread pool, never on the
 * event loop. Hashes are PHC strings: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
 *
 * Verification derives the tag again with `hashRaw` from parameters this module parsed and bounded itself, then
 * compares in constant time; the library's own PHC parser is never handed a stored string. Argon2i and Argon2d
 * strings (other libraries' defaults in the past) and version 0x10 verify too, and always need a rehash.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Algorithm, Version } from '@node-rs/argon2';
import { ConfigurationError } from '../domain/errors.js';
import type { PrimaryPasswordHasher } from './password-hashing.js';
import { checkPhc, formatPhc, type PhcFormat, parsePhc, passwordBytes } from './phc.js';

export interface Argon2idParameters {
  /** Memory in KiB (`m`). */
  readonly memoryCost: number;
  /** Passes over memory (`t`). */
  readonly timeCost: number;
  /** Lanes (`p`). */
  readonly parallelism: number;
  /** Tag length in bytes. */
  readonly outputLength: number;
  /** Random salt length in bytes. */
  readonly saltLength: number;
}

/** OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1; a 32-byte tag and a 16-byte salt (RFC 9106 §4). */
export const OWASP_ARGON2ID: Argon2idParameters = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
  outputLength: 32,
  saltLength: 16,
});

/**
 * A hash at the OWASP parameters of 32 random bytes that were thrown away (base64url), made once and shipped: Login
 * verifies unknown usernames against a hash like this, and computing one at cold start would make every instance's
 * first login cost two hashes. It is no secret: verifying any password against it costs exactly what verifying a
 * real user's OWASP hash costs, and a match (with odds of 2^-256) still signs nobody in, as no user owns it.
 */
const OWASP_DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$HOpIrpyGK6YUVf3uzgu4gA$kMyyVrf0/qmT7dzxD9ylAu86kiVLYdbrpMwcyFJ8Bf0';

export interface Argon2idHasherOptions extends Partial<Argon2idParameters> {
  /**
   * Optional pepper: a server-side secret (at least 16 bytes, e.g. from a secrets manager) mixed in as Argon2's
   * secret input `K`, so a leaked user table alone cannot be attacked offline. The PHC string does not record it:
   * every argon2 hash this hasher makes or verifies uses it, hashes made without it (or with another pepper) no
   * longer verify, and `needsRehash` cannot tell. Changing or dropping a pepper therefore means resetting passwords.
   */
  readonly pepper?: Uint8Array;
}

export type Argon2Variant = 'argon2id' | 'argon2i' | 'argon2d';

/** Argon2 versions: 0x13 (19, current) and 0x10 (16, the original, verify only). */
export type Argon2Version = 0x10 | 0x13;

export interface Argon2Input {
  readonly variant: Argon2Variant;
  readonly version: Argon2Version;
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
  readonly outputLength: number;
  readonly salt: Uint8Array;
  /** Argon2's secret input `K` (the pepper). */
  readonly secret?: Uint8Array;
}

/**
 * Ceilings for what a stored string may ask of `verify`: at most 1 GiB of memory, 100 passes, 64 lanes, and
 * m × t at most 2^22 KiB-passes (about 100 times the OWASP cost), so no stored string costs more than a few
 * seconds. Salts of 8 bytes (Argon2's minimum, which some tools use) and tags of 16 bytes still verify.
 */
export const ARGON2_LIMITS = Object.freeze({
  memoryCost: { min: 8, max: 1024 * 1024 },
  timeCost: { min: 1, max: 100 },
  parallelism: { min: 1, max: 64 },
  memoryTimeProduct: 2 ** 22,
  saltBytes: { min: 8, max: 64 },
  hashBytes: { min: 16, max: 64 },
});

/** What a hash made here looks like, at the least: a 32-byte tag and a 16-byte salt. */
const MIN_OUTPUT_LENGTH = 32;
const MIN_SALT_LENGTH = 16;
const MIN_PEPPER_LENGTH = 16;

const ARGON2_FORMAT: PhcFormat<'m' | 't' | 'p'> = {
  ids: ['argon2id', 'argon2i', 'argon2d'],
  // libargon2 reads a string without `v=` as version 0x10.
  versions: { accepted: [0x13, 0x10], whenAbsent: 0x10 },
  params: [
    { name: 'm', ...ARGON2_LIMITS.memoryCost },
    { name: 't', ...ARGON2_LIMITS.timeCost },
    { name: 'p', ...ARGON2_LIMITS.parallelism },
  ],
  saltBytes: ARGON2_LIMITS.saltBytes,
  hashBytes: ARGON2_LIMITS.hashBytes,
};

// `@node-rs/argon2` declares these as ambient const enums, which isolated modules cannot read: the values are theirs.
const ALGORITHMS: Record<Argon2Variant, Algorithm> = {
  argon2d: 0 as Algorithm,
  argon2i: 1 as Algorithm,
  argon2id: 2 as Algorithm,
};
// Keys are the PHC `v=` values 16 (0x10) and 19 (0x13).
const VERSIONS: Record<Argon2Version, Version> = { 16: 0 as Version, 19: 1 as Version };

/** Raw Argon2 tag on the libuv pool: the one derivation every hash and verification here goes through. */
export async function deriveArgon2(password: string | Uint8Array, input: Argon2Input): Promise<Buffer> {
  const { hashRaw } = await loadArgon2();
  return hashRaw(passwordBytes(password), {
    algorithm: ALGORITHMS[input.variant],
    version: VERSIONS[input.version],
    memoryCost: input.memoryCost,
    timeCost: input.timeCost,
    parallelism: input.parallelism,
    outputLen: input.outputLength,
    salt: input.salt,
    ...(input.secret ? { secret: input.secret } : {}),
  });
}

/**
 * The native addon (about 700 KiB) is loaded on the first derivation, not at import: a Lambda whose invocation never
 * hashes (guest, refresh, logout, me) should not pay for it at cold start. `Login.warmUp` can move it into init.
 */
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
function loadArgon2(): Promise<typeof import('@node-rs/argon2')> {
  argon2 ??= import('@node-rs/argon2');
  return argon2;
}

interface ParsedArgon2 {
  readonly variant: Argon2Variant;
  readonly version: Argon2Version;
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** A bounded, well-formed argon2 PHC string, or `undefined`. */
export function parseArgon2(encoded: string): ParsedArgon2 | undefined {
  const phc = parsePhc(encoded, ARGON2_FORMAT);
  if (!phc || !withinWorkLimits(phc.params)) return undefined;
  return {
    variant: phc.id as Argon2Variant,
    version: phc.version as Argon2Version,
    memoryCost: phc.params.m,
    timeCost: phc.params.t,
    parallelism: phc.params.p,
    salt: phc.salt,
    hash: phc.hash,
  };
}

/** What `parseArgon2` accepts, decided without decoding salt and hash (an import checks every row with it). */
function isVerifiableArgon2(encoded: string): boolean {
  const phc = checkPhc(encoded, ARGON2_FORMAT);
  return phc !== undefined && withinWorkLimits(phc.params);
}

/** Argon2 needs at least 8 KiB per lane; the work bound keeps large m and large t from combining. */
function withinWorkLimits({ m, t, p }: Readonly<Record<'m' | 't' | 'p', number>>): boolean {
  return m >= 8 * p && m * t <= ARGON2_LIMITS.memoryTimeProduct;
}

/** Argon2id hasher; every option is checked here, so a bad deployment setting fails at startup, not at login. */
export function createArgon2idHasher(options: Argon2idHasherOptions = {}): PrimaryPasswordHasher {
  const params = resolveArgon2idParameters(options);
  const pepper = resolvePepper(options.pepper);
  const atOwaspParameters = (Object.keys(OWASP_ARGON2ID) as (keyof Argon2idParameters)[]).every(
    (name) => params[name] === OWASP_ARGON2ID[name],
  );

  return {
    algorithm: 'argon2id',

    // With a pepper the verification costs the same (the secret input is hashed once): the shipped hash serves too.
    precomputedDummyHash: () => (atOwaspParameters ? OWASP_DUMMY_HASH : undefined),

    recognizes: (encoded) => typeof encoded === 'string' && /^\$argon2(?:id|i|d)\$/.test(encoded),

    accepts: (encoded) => typeof encoded === 'string' && isVerifiableArgon2(encoded),

    async hash(password) {
      const salt = randomBytes(params.saltLength);
      const hash = await deriveArgon2(password, {
        variant: 'argon2id',
        version: 0x13,
        ...params,
        salt,
        secret: pepper,
      });
      return formatPhc(ARGON2_FORMAT, {
        id: 'argon2id',
        version: 0x13,
        params: { m: params.memoryCost, t: params.timeCost, p: params.parallelism },
        salt,
        hash,
      });
    },

    async verify(encoded, password) {
      const stored = parseArgon2(encoded);
      if (!stored) return false;
      const candidate = await deriveArgon2(password, {
        ...stored,
        outputLength: stored.hash.length,
        secret: pepper,
      });
      return timingSafeEqual(candidate, stored.hash);
    },

    needsRehash(encoded) {
      const stored = parseArgon2(encoded);
      if (stored?.variant !== 'argon2id' || stored.version !== 0x13) return true;
      return (
        stored.memoryCost < params.memoryCost ||
        stored.timeCost < params.timeCost ||
        stored.parallelism < params.parallelism ||
        stored.hash.length < params.outputLength ||
        stored.salt.length < params.saltLength
      );
    },
  };
}

function resolveArgon2idParameters(options: Argon2idHasherOptions): Argon2idParameters {
  const params: Argon2idParameters = {
    memoryCost: options.memoryCost ?? OWASP_ARGON2ID.memoryCost,
    timeCost: options.timeCost ?? OWASP_ARGON2ID.timeCost,
    parallelism: options.parallelism ?? OWASP_ARGON2ID.parallelism,
    outputLength: options.outputLength ?? OWASP_ARGON2ID.outputLength,
    saltLength: options.saltLength ?? OWASP_ARGON2ID.saltLength,
  };
  requireInteger('parallelism', params.parallelism, ARGON2_LIMITS.parallelism);
  requireInteger('memoryCost', params.memoryCost, {
    min: Math.max(ARGON2_LIMITS.memoryCost.min, 8 * params.parallelism),
    max: ARGON2_LIMITS.memoryCost.max,
  });
  requireInteger('timeCost', params.timeCost, ARGON2_LIMITS.timeCost);
  requireInteger('outputLength', params.outputLength, { min: MIN_OUTPUT_LENGTH, max: ARGON2_LIMITS.hashBytes.max });
  requireInteger('saltLength', params.saltLength, { min: MIN_SALT_LENGTH, max: ARGON2_LIMITS.saltBytes.max });
  // A hash this hasher makes must also be one it (and every other devauth verifier) accepts.
  if (params.memoryCost * params.timeCost > ARGON2_LIMITS.memoryTimeProduct) {
    throw new ConfigurationError(
      `argon2id memoryCost × timeCost must be at most ${ARGON2_LIMITS.memoryTimeProduct} (got ${params.memoryCost * params.timeCost}).`,
    );
  }
  return Object.freeze(params);
}

function resolvePepper(pepper: Uint8Array | undefined): Buffer | undefined {
  if (pepper === undefined) return undefined;
  if (!(pepper instanceof Uint8Array) || pepper.byteLength < MIN_PEPPER_LENGTH) {
    // The message names the rule only: never the pepper or its bytes.
    throw new ConfigurationError(`argon2id pepper must be a Uint8Array of at least ${MIN_PEPPER_LENGTH} bytes.`);
  }
  // A private copy: later changes to the caller's buffer must not change how passwords hash.
  return Buffer.from(pepper);
}

function requireInteger(name: string, value: number, range: { min: number; max: number }): void {
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigurationError(
      `argon2id ${name} must be an integer from ${range.min} to ${range.max} (got ${String(value)}).`,
    );
  }
}
