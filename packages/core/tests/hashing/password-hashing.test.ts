import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../src/domain/errors.js';
import {
  createArgon2idHasher,
  createBcryptVerifier,
  createDefaultPasswordHasher,
  createPasswordHashing,
  createPbkdf2Sha256Verifier,
  createScryptHasher,
  type HashVerifier,
  type PrimaryPasswordHasher,
} from '../../src/hashing/index.js';
import {
  ARGON2_CLI_HASHES,
  DJANGO_PBKDF2_HASHES,
  type ForeignHash,
  HTPASSWD_BCRYPT_HASHES,
  PASSLIB_SCRYPT_HASHES,
} from './fixtures/foreign-hashes.js';
import { SMALL_ARGON2ID, SMALL_SCRYPT, TRICKY_PASSWORDS } from './fixtures/small-parameters.js';

const PASSWORD = 'correct horse battery staple';
const OPENWALL_BCRYPT: ForeignHash = {
  command: 'Openwall crypt_blowfish wrapper.c test vector',
  password: 'U*U',
  encoded: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
};
/** One hash of every supported family that devauth did not make itself. */
const FOREIGN: readonly ForeignHash[] = [
  ...ARGON2_CLI_HASHES,
  ...PASSLIB_SCRYPT_HASHES,
  OPENWALL_BCRYPT,
  ...HTPASSWD_BCRYPT_HASHES,
  ...DJANGO_PBKDF2_HASHES,
];

/** The default composition at small argon2id parameters. */
const hashing = createDefaultPasswordHasher({ argon2id: SMALL_ARGON2ID });

describe('createDefaultPasswordHasher', () => {
  it('hashes with argon2id at the OWASP parameters unless told otherwise', async () => {
    const encoded = await createDefaultPasswordHasher().hash(PASSWORD);
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('round-trips every kind of password through the primary, and needs no rehash for it', async () => {
    for (const password of TRICKY_PASSWORDS) {
      const encoded = await hashing.hash(password);
      expect(encoded).toMatch(/^\$argon2id\$v=19\$m=256,t=1,p=1\$/);
      await expect(hashing.verify(encoded, password)).resolves.toBe(true);
      await expect(hashing.verify(encoded, `${password}.`)).resolves.toBe(false);
      expect(hashing.needsRehash(encoded)).toBe(false);
    }
  });

  it.each(FOREIGN)('verifies, and asks to replace, the foreign hash of `$command`', async ({ password, encoded }) => {
    await expect(hashing.verify(encoded, password)).resolves.toBe(true);
    await expect(hashing.verify(encoded, `x${password}`)).resolves.toBe(false);
    // All but one are another algorithm, a legacy format, another argon2 variant or version, or have a salt or tag
    // shorter than devauth writes. The exception: the CLI's argon2id v=19 hash at OWASP parameters, above m=256,t=1.
    expect(hashing.needsRehash(encoded)).toBe(encoded !== ARGON2_CLI_HASHES[0]!.encoded);
  });

  it('asks to replace a hash below the primary’s parameters, and verifies it meanwhile', async () => {
    const weaker = await createArgon2idHasher({ memoryCost: 128, timeCost: 1, parallelism: 1 }).hash(PASSWORD);
    await expect(hashing.verify(weaker, PASSWORD)).resolves.toBe(true);
    expect(hashing.needsRehash(weaker)).toBe(true);
    const stronger = await createArgon2idHasher({ memoryCost: 512, timeCost: 2, parallelism: 1 }).hash(PASSWORD);
    expect(hashing.needsRehash(stronger)).toBe(false);
  });

  it('upgrades a legacy user: verify the old hash, store a new one, which then needs nothing', async () => {
    const legacy = DJANGO_PBKDF2_HASHES[0]!;
    expect(await hashing.verify(legacy.encoded, legacy.password)).toBe(true);
    expect(hashing.needsRehash(legacy.encoded)).toBe(true);
    const upgraded = await hashing.hash(legacy.password);
    await expect(hashing.verify(upgraded, legacy.password)).resolves.toBe(true);
    expect(hashing.needsRehash(upgraded)).toBe(false);
  });

  it('answers false and needs a rehash for unknown and malformed encodings, never throwing', async () => {
    const unknown = [
      '',
      'plaintext-password',
      PASSWORD,
      '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', // md5-crypt
      '$5$rounds=5000$saltsalt$abc', // sha256-crypt
      '$6$saltsalt$abc', // sha512-crypt
      'sha1$salt$abc', // Django's old SHA1
      '{SSHA}abc',
      '$pbkdf2-sha256$29000$c2FsdA$abc', // passlib's PHC pbkdf2: not supported
      '$argon2id$v=19$m=19456,t=2,p=1$',
      '$scrypt$ln=17,r=8,p=1$c2FsdA',
      '$2b$10$short',
      'pbkdf2_sha256$',
      'x'.repeat(100_000),
    ];
    for (const encoded of unknown) {
      await expect(hashing.verify(encoded, PASSWORD)).resolves.toBe(false);
      expect(hashing.needsRehash(encoded)).toBe(true);
    }
    for (const notAString of [undefined, null, 42, {}]) {
      await expect(hashing.verify(notAString as unknown as string, PASSWORD)).resolves.toBe(false);
      expect(hashing.needsRehash(notAString as unknown as string)).toBe(true);
    }
  });

  it('never throws on arbitrary encodings, including near-misses of every format', async () => {
    // Mutants that stay well-formed are fully verified: start from the hashes that are quick to check.
    const CHEAP_FOREIGN = FOREIGN.filter(({ encoded }) => !/m=(19456|32768)|\$260000\$/.test(encoded));
    const prefixes = ['$argon2id$v=19$m=', '$argon2i$', '$scrypt$ln=', '$2b$05$', '$2y$', 'pbkdf2_sha256$1$', ''];
    const candidate = fc.oneof(
      fc.string(),
      fc.tuple(fc.constantFrom(...prefixes), fc.string({ unit: 'binary', maxLength: 80 })).map(([a, b]) => a + b),
      fc
        .tuple(fc.constantFrom(...CHEAP_FOREIGN.map((hash) => hash.encoded)), fc.nat(), fc.string({ maxLength: 3 }))
        .map(
          ([encoded, at, insert]) =>
            encoded.slice(0, at % encoded.length) + insert + encoded.slice((at % encoded.length) + 1),
        ),
    );
    await fc.assert(
      fc.asyncProperty(candidate, async (encoded) => {
        const verified = await hashing.verify(encoded, 'not the password');
        expect(verified).toBe(false);
        expect(typeof hashing.needsRehash(encoded)).toBe('boolean');
      }),
      { numRuns: 60 },
    );
  });
});

describe('createPasswordHashing', () => {
  it('can have scrypt as its primary, verifying argon2 hashes and asking to replace them', async () => {
    const scryptFirst = createPasswordHashing({
      primary: createScryptHasher(SMALL_SCRYPT),
      verifiers: [createArgon2idHasher(SMALL_ARGON2ID)],
    });
    const encoded = await scryptFirst.hash(PASSWORD);
    expect(encoded).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    await expect(scryptFirst.verify(encoded, PASSWORD)).resolves.toBe(true);
    expect(scryptFirst.needsRehash(encoded)).toBe(false);
    const argon = ARGON2_CLI_HASHES[0]!;
    await expect(scryptFirst.verify(argon.encoded, argon.password)).resolves.toBe(true);
    expect(scryptFirst.needsRehash(argon.encoded)).toBe(true);
  });

  it('verifies only the formats it was given', async () => {
    const argonOnly = createPasswordHashing({ primary: createArgon2idHasher(SMALL_ARGON2ID) });
    await expect(argonOnly.verify(OPENWALL_BCRYPT.encoded, OPENWALL_BCRYPT.password)).resolves.toBe(false);
    await expect(argonOnly.verify(DJANGO_PBKDF2_HASHES[0]!.encoded, DJANGO_PBKDF2_HASHES[0]!.password)).resolves.toBe(
      false,
    );
    const withBcrypt = createPasswordHashing({
      primary: createArgon2idHasher(SMALL_ARGON2ID),
      verifiers: [createBcryptVerifier(), createPbkdf2Sha256Verifier()],
    });
    await expect(withBcrypt.verify(OPENWALL_BCRYPT.encoded, OPENWALL_BCRYPT.password)).resolves.toBe(true);
  });

  it('routes each encoding to the first verifier that recognizes it, and to no other', async () => {
    const calls: string[] = [];
    const fake = (algorithm: string, prefix: string, answer: boolean): HashVerifier => ({
      algorithm,
      recognizes: (encoded) => encoded.startsWith(prefix),
      verify: async () => {
        calls.push(algorithm);
        return answer;
      },
    });
    const composed = createPasswordHashing({
      primary: createArgon2idHasher(SMALL_ARGON2ID),
      verifiers: [fake('first', '$legacy$', true), fake('second', '$legacy$', false), fake('other', '$other$', false)],
    });
    await expect(composed.verify('$legacy$abc', PASSWORD)).resolves.toBe(true);
    await expect(composed.verify('$other$abc', PASSWORD)).resolves.toBe(false);
    await expect(composed.verify('$unknown$abc', PASSWORD)).resolves.toBe(false);
    expect(calls).toEqual(['first', 'other']);
    expect(composed.needsRehash('$legacy$abc')).toBe(true);
  });

  it('refuses a missing or incomplete primary or verifier with a ConfigurationError', () => {
    expect(() => createPasswordHashing({} as never)).toThrow(ConfigurationError);
    expect(() => createPasswordHashing(undefined as never)).toThrow(ConfigurationError);
    const verifyOnly = createBcryptVerifier() as unknown as PrimaryPasswordHasher;
    expect(() => createPasswordHashing({ primary: verifyOnly })).toThrow(ConfigurationError);
    expect(() => createPasswordHashing({ primary: createArgon2idHasher(), verifiers: [{} as HashVerifier] })).toThrow(
      ConfigurationError,
    );
  });

  it('does no hashing when it is created', () => {
    const started = performance.now();
    for (let i = 0; i < 100; i++) createDefaultPasswordHasher();
    // Hashing at construction would cost about 20 ms per hasher.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('secrecy', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs nothing, whatever it is given', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    const encoded = await hashing.hash(PASSWORD);
    await hashing.verify(encoded, PASSWORD);
    await hashing.verify(encoded, 'wrong');
    for (const { encoded: foreign, password } of FOREIGN.slice(0, 3)) await hashing.verify(foreign, password);
    await hashing.verify('$argon2id$garbage', PASSWORD);
    hashing.needsRehash(encoded);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('puts neither the password nor the hash in any error it raises', async () => {
    const secret = 'S3cret-Passw0rd';
    const errors: unknown[] = [];
    const collect = async (action: () => unknown) => {
      try {
        await action();
      } catch (error) {
        errors.push(error);
      }
    };
    const encoded = await hashing.hash(secret);
    // Programming errors: a password that is not a string (Node's own error would quote it).
    await collect(() => hashing.hash(12345678 as unknown as string));
    await collect(() => hashing.verify(encoded, { secret } as unknown as string));
    await collect(() =>
      createScryptHasher(SMALL_SCRYPT).verify(
        '$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$I7/8bNqNs0VUFDoViAYpuT6PtNwY2dBTNwGkEUBUQ4U',
        [secret] as unknown as string,
      ),
    );
    await collect(() =>
      createDefaultPasswordHasher().verify(DJANGO_PBKDF2_HASHES[0]!.encoded, 12345678 as unknown as string),
    );
    await collect(() => hashing.verify(OPENWALL_BCRYPT.encoded, 12345678 as unknown as string));
    expect(errors).toHaveLength(5);
    for (const error of errors) {
      expect(error).toBeInstanceOf(TypeError);
      const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
      for (const leaked of [secret, '12345678', encoded, encoded.split('$').at(-1)!])
        expect(text).not.toContain(leaked);
    }
  });
});
