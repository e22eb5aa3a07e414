import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/domain/errors.js';
import {
  ARGON2_LIMITS,
  createArgon2idHasher,
  deriveArgon2,
  OWASP_ARGON2ID,
  parseArgon2,
} from '../../src/hashing/argon2id.hasher.js';
import { encodePhcBase64 } from '../../src/hashing/phc.js';
import { SMALL_ARGON2ID, TRICKY_PASSWORDS } from './fixtures/small-parameters.js';

const hasher = createArgon2idHasher(SMALL_ARGON2ID);
const PASSWORD = 'correct horse battery staple';

/** Replaces one character of the hash part (the segment after the last `$`) with another valid one. */
function tamperHash(encoded: string): string {
  const at = encoded.length - 5;
  return encoded.slice(0, at) + (encoded[at] === 'A' ? 'B' : 'A') + encoded.slice(at + 1);
}

describe('argon2id hasher', () => {
  it('hashes at the OWASP parameters by default, as an argon2id v=19 PHC string with a 16-byte salt and 32-byte tag', async () => {
    expect(OWASP_ARGON2ID).toEqual({
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
      outputLength: 32,
      saltLength: 16,
    });
    const owasp = createArgon2idHasher();
    const encoded = await owasp.hash(PASSWORD);
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    await expect(owasp.verify(encoded, PASSWORD)).resolves.toBe(true);
    await expect(owasp.verify(encoded, `${PASSWORD}!`)).resolves.toBe(false);
    expect(owasp.needsRehash(encoded)).toBe(false);
  });

  it('round-trips every kind of password, including the empty one, and refuses any other', async () => {
    const hashes = await Promise.all(TRICKY_PASSWORDS.map((password) => hasher.hash(password)));
    for (const [index, encoded] of hashes.entries()) {
      const password = TRICKY_PASSWORDS[index]!;
      await expect(hasher.verify(encoded, password)).resolves.toBe(true);
      const other = TRICKY_PASSWORDS[(index + 1) % TRICKY_PASSWORDS.length]!;
      await expect(hasher.verify(encoded, other)).resolves.toBe(false);
    }
    // NUL is part of the password, not its end; Unicode compares by UTF-8 bytes, with no normalization here.
    await expect(hasher.verify(hashes[TRICKY_PASSWORDS.indexOf('a\u0000b')]!, 'a')).resolves.toBe(false);
    await expect(hasher.verify(hashes[TRICKY_PASSWORDS.indexOf('ｐａｓｓｗｏｒｄ')]!, 'password')).resolves.toBe(false);
  });

  it('salts every hash afresh', async () => {
    const [first, second] = await Promise.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    expect(first).not.toBe(second);
    expect(parseArgon2(first)!.salt).not.toEqual(parseArgon2(second)!.salt);
  });

  it('refuses wrong passwords and any tampered part of the hash', async () => {
    const encoded = await hasher.hash(PASSWORD);
    await expect(hasher.verify(encoded, 'Correct horse battery staple')).resolves.toBe(false);
    await expect(hasher.verify(encoded, `${PASSWORD} `)).resolves.toBe(false);
    await expect(hasher.verify(encoded, '')).resolves.toBe(false);
    await expect(hasher.verify(tamperHash(encoded), PASSWORD)).resolves.toBe(false);
    const stored = parseArgon2(encoded)!;
    const otherSalt = Buffer.from(stored.salt).fill(1, 0, 1);
    await expect(
      hasher.verify(encoded.replace(encodePhcBase64(stored.salt), encodePhcBase64(otherSalt)), PASSWORD),
    ).resolves.toBe(false);
    for (const change of [
      ['t=1', 't=2'],
      ['m=256', 'm=264'],
      ['v=19', 'v=16'],
      ['argon2id', 'argon2i'],
      ['argon2id', 'argon2d'],
    ]) {
      const changed = encoded.replace(change[0]!, change[1]!);
      expect(changed).not.toBe(encoded);
      await expect(hasher.verify(changed, PASSWORD)).resolves.toBe(false);
    }
  });

  it('answers false, without throwing, for malformed, unsupported and out-of-bounds strings', async () => {
    const encoded = await hasher.hash(PASSWORD);
    const refused = [
      '',
      'argon2id',
      '$argon2id$',
      encoded.slice(0, -10),
      `${encoded}=`,
      encoded.replace('$argon2id$', '$argon2$'),
      encoded.replace('$argon2id$', '$ARGON2ID$'),
      encoded.replace('p=1', 'p=1,keyid=AAAA'),
      encoded.replace('p=1', 'p=1,data=AAAA'),
      encoded.replace('m=256', 'm=4'), // below Argon2's minimum of 8 KiB per lane
      encoded.replace('m=256,t=1,p=1', 'm=256,t=1,p=64'), // m < 8p
      encoded.replace('m=256', `m=${ARGON2_LIMITS.memoryCost.max + 1}`),
      encoded.replace('t=1', 't=101'),
      encoded.replace('m=256,t=1', 'm=1048576,t=5'), // each bound alone is fine, the product is not
      encoded.replace('m=256,t=1,p=1', 'm=4294967295,t=4294967295,p=255'),
      '$scrypt$ln=10,r=8,p=1$c29tZXNhbHRzb21lc2FsdA$I7/8bNqNs0VUFDoViAYpuT6PtNwY2dBTNwGkEUBUQ4U',
      '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    ];
    for (const candidate of refused) {
      await expect(hasher.verify(candidate, PASSWORD)).resolves.toBe(false);
      expect(hasher.needsRehash(candidate)).toBe(true);
    }
    // A string claiming 1 GiB × 5 passes is refused before any work: it answers at once.
    const started = performance.now();
    await hasher.verify(encoded.replace('m=256,t=1', 'm=1048576,t=5'), PASSWORD);
    // Each would cost seconds (or days) if it were run; refusing all of them costs next to nothing. The bound is
    // loose so a loaded CI machine cannot fail it.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('recognizes every argon2 variant and nothing else', () => {
    expect(hasher.recognizes('$argon2id$v=19$...')).toBe(true);
    expect(hasher.recognizes('$argon2i$v=19$...')).toBe(true);
    expect(hasher.recognizes('$argon2d$v=19$...')).toBe(true);
    expect(hasher.recognizes('$argon2$v=19$...')).toBe(false);
    expect(hasher.recognizes('$scrypt$ln=17...')).toBe(false);
    expect(hasher.recognizes('argon2id')).toBe(false);
  });

  describe('needsRehash', () => {
    const current = { memoryCost: 512, timeCost: 2, parallelism: 2 };
    const primary = createArgon2idHasher(current);

    it('is false for a hash at or above the current parameters', async () => {
      expect(primary.needsRehash(await primary.hash(PASSWORD))).toBe(false);
      const stronger = createArgon2idHasher({
        memoryCost: 1024,
        timeCost: 3,
        parallelism: 4,
        outputLength: 64,
        saltLength: 32,
      });
      expect(primary.needsRehash(await stronger.hash(PASSWORD))).toBe(false);
    });

    it.each([
      ['memory', { memoryCost: 256 }],
      ['passes', { timeCost: 1 }],
      ['lanes', { parallelism: 1 }],
    ])('is true for a hash with less %s', async (_, weaker) => {
      const encoded = await createArgon2idHasher({ ...current, ...weaker }).hash(PASSWORD);
      await expect(primary.verify(encoded, PASSWORD)).resolves.toBe(true);
      expect(primary.needsRehash(encoded)).toBe(true);
    });

    it('is true for a shorter tag or salt, another variant and version 0x10', async () => {
      const salt = Buffer.alloc(16, 7);
      const phc = async (
        variant: 'argon2id' | 'argon2i' | 'argon2d',
        version: 0x10 | 0x13,
        outputLength: number,
        saltBytes: Buffer,
      ) => {
        const tag = await deriveArgon2(PASSWORD, { variant, version, ...current, outputLength, salt: saltBytes });
        return `$${variant}$v=${version}$m=512,t=2,p=2$${encodePhcBase64(saltBytes)}$${encodePhcBase64(tag)}`;
      };
      const atCurrent = await phc('argon2id', 0x13, 32, salt);
      expect(primary.needsRehash(atCurrent)).toBe(false);
      for (const encoded of [
        await phc('argon2id', 0x13, 16, salt),
        await phc('argon2id', 0x13, 32, salt.subarray(0, 8)),
        await phc('argon2i', 0x13, 32, salt),
        await phc('argon2d', 0x13, 32, salt),
        await phc('argon2id', 0x10, 32, salt),
      ]) {
        await expect(primary.verify(encoded, PASSWORD)).resolves.toBe(true);
        expect(primary.needsRehash(encoded)).toBe(true);
      }
    });

    it('reads a string without a version segment as version 0x10', async () => {
      const salt = Buffer.alloc(16, 9);
      const tag = await deriveArgon2(PASSWORD, {
        variant: 'argon2id',
        version: 0x10,
        ...current,
        outputLength: 32,
        salt,
      });
      const encoded = `$argon2id$m=512,t=2,p=2$${encodePhcBase64(salt)}$${encodePhcBase64(tag)}`;
      await expect(primary.verify(encoded, PASSWORD)).resolves.toBe(true);
      expect(primary.needsRehash(encoded)).toBe(true);
    });
  });

  describe('configuration', () => {
    it.each([
      { memoryCost: 0 },
      { memoryCost: 7 },
      { memoryCost: 64, parallelism: 16 }, // Argon2 needs 8 KiB per lane
      { memoryCost: 2 ** 20 + 1 },
      { memoryCost: 19456.5 },
      { memoryCost: Number.NaN },
      { timeCost: 0 },
      { timeCost: 101 },
      { memoryCost: 2 ** 20, timeCost: 5 },
      { parallelism: 0 },
      { parallelism: 65 },
      { outputLength: 16 }, // devauth writes tags of at least 32 bytes
      { outputLength: 65 },
      { saltLength: 8 }, // and salts of at least 16
      { saltLength: 65 },
      { pepper: new Uint8Array(15) },
      { pepper: 'a string' as unknown as Uint8Array },
    ])('refuses %o with a ConfigurationError', (options) => {
      expect(() => createArgon2idHasher(options)).toThrow(ConfigurationError);
    });

    it('never puts the pepper in an error', () => {
      const pepper = Buffer.from('short-pepper');
      const error = captureError(() => createArgon2idHasher({ pepper }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String((error as Error).message)).not.toContain('short-pepper');
      expect(String((error as Error).message)).not.toContain(pepper.toString('hex'));
    });

    it('accepts the parameters the rest of devauth uses', () => {
      expect(() => createArgon2idHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 })).not.toThrow();
      expect(() => createArgon2idHasher(OWASP_ARGON2ID)).not.toThrow();
    });
  });

  describe('pepper', () => {
    const pepper = Buffer.from('0123456789abcdef0123456789abcdef');
    const peppered = createArgon2idHasher({ ...SMALL_ARGON2ID, pepper });

    it('mixes the pepper in as Argon2 secret K, so the hash verifies only with it', async () => {
      const encoded = await peppered.hash(PASSWORD);
      await expect(peppered.verify(encoded, PASSWORD)).resolves.toBe(true);
      await expect(hasher.verify(encoded, PASSWORD)).resolves.toBe(false);
      const otherPepper = createArgon2idHasher({
        ...SMALL_ARGON2ID,
        pepper: Buffer.from('fedcba9876543210fedcba9876543210'),
      });
      await expect(otherPepper.verify(encoded, PASSWORD)).resolves.toBe(false);
      await expect(peppered.verify(await hasher.hash(PASSWORD), PASSWORD)).resolves.toBe(false);
      // Conformance of the secret input: the reference implementation with key = pepper gives the same tag.
      const stored = parseArgon2(encoded)!;
      const reference = nobleArgon2id(PASSWORD, stored.salt, { m: 256, t: 1, p: 1, dkLen: 32, key: pepper });
      expect(Buffer.from(reference)).toEqual(stored.hash);
    });

    it('keeps its own copy of the pepper', async () => {
      const mutable = Buffer.from(pepper);
      const own = createArgon2idHasher({ ...SMALL_ARGON2ID, pepper: mutable });
      const encoded = await own.hash(PASSWORD);
      mutable.fill(0);
      await expect(own.verify(encoded, PASSWORD)).resolves.toBe(true);
      await expect(peppered.verify(encoded, PASSWORD)).resolves.toBe(true);
    });
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
