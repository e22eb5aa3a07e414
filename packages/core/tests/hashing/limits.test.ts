/**
 * The bounds the hashing modules promise: what a stored string may ask of `verify`, what a deployment may configure,
 * each checked exactly at its limit (the last accepted value and the first refused one).
 */
import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/domain/errors.js';
import { ARGON2_LIMITS, createArgon2idHasher, parseArgon2 } from '../../src/hashing/argon2id.hasher.js';
import { createBcryptVerifier } from '../../src/hashing/bcrypt.verifier.js';
import { createPasswordHashing } from '../../src/hashing/password-hashing.js';
import { createPbkdf2Sha256Verifier, parseDjangoPbkdf2Sha256 } from '../../src/hashing/pbkdf2.verifier.js';
import { encodePhcBase64, type PhcFormat, parsePhc, passwordBytes } from '../../src/hashing/phc.js';
import { createScryptHasher, deriveScrypt, parseScrypt } from '../../src/hashing/scrypt.hasher.js';
import { SMALL_ARGON2ID } from './fixtures/small-parameters.js';

const b64 = (length: number) => encodePhcBase64(Buffer.alloc(length, 7));
const argon2 = (params: string, { version = 'v=19$', salt = 16, hash = 32, id = 'argon2id' } = {}) =>
  `$${id}$${version}${params}$${b64(salt)}$${b64(hash)}`;
const scrypt = (params: string, { salt = 16, hash = 32 } = {}) => `$scrypt$${params}$${b64(salt)}$${b64(hash)}`;

describe('argon2 strings: what a stored hash may ask for', () => {
  it('accepts m = 8·p and m·t = 2^22 exactly, and refuses one step beyond', () => {
    expect(parseArgon2(argon2('m=16,t=1,p=2'))).toMatchObject({ memoryCost: 16, parallelism: 2 });
    expect(parseArgon2(argon2('m=15,t=1,p=2'))).toBeUndefined();
    expect(ARGON2_LIMITS.memoryTimeProduct).toBe(2 ** 22);
    expect(parseArgon2(argon2('m=1048576,t=4,p=1'))).toMatchObject({ memoryCost: 2 ** 20, timeCost: 4 });
    expect(parseArgon2(argon2('m=1048576,t=5,p=1'))).toBeUndefined();
    expect(parseArgon2(argon2('m=512,t=1,p=64'))).toMatchObject({ parallelism: 64 });
    expect(parseArgon2(argon2('m=520,t=1,p=65'))).toBeUndefined();
  });

  it('accepts salts from 8 bytes and tags from 16 bytes, and nothing shorter', () => {
    expect(parseArgon2(argon2('m=64,t=1,p=1', { salt: 8, hash: 16 }))).toBeDefined();
    expect(parseArgon2(argon2('m=64,t=1,p=1', { salt: 7 }))).toBeUndefined();
    expect(parseArgon2(argon2('m=64,t=1,p=1', { hash: 15 }))).toBeUndefined();
    expect(parseArgon2(argon2('m=64,t=1,p=1', { salt: 64, hash: 64 }))).toBeDefined();
    expect(parseArgon2(argon2('m=64,t=1,p=1', { salt: 65 }))).toBeUndefined();
  });

  it('refuses unknown versions, reordered or renamed parameters, and truncated strings, without throwing', () => {
    expect(parseArgon2(argon2('m=64,t=1,p=1', { version: 'v=16$' }))).toMatchObject({ version: 0x10 });
    expect(parseArgon2(argon2('m=64,t=1,p=1', { version: '' }))).toMatchObject({ version: 0x10 });
    for (const version of ['v=18$', 'v=20$', 'v=019$', 'v=$']) {
      expect(parseArgon2(argon2('m=64,t=1,p=1', { version }))).toBeUndefined();
    }
    for (const params of ['t=1,m=64,p=1', 'm=64,t=1,x=1', 'mm=64,t=1,p=1', 'm=64,t=1', 'm=64,t=1,p=1,k=2']) {
      expect(parseArgon2(argon2(params))).toBeUndefined();
    }
    for (const truncated of ['$argon2id', '$argon2id$', '$argon2id$v=19', '$']) {
      expect(parseArgon2(truncated)).toBeUndefined();
    }
    expect(parseArgon2(argon2('m=64,t=1,p=1').slice(1))).toBeUndefined();
  });
});

describe('PHC parsing for one format', () => {
  const format: PhcFormat<'n'> = {
    ids: ['demo'],
    params: [{ name: 'n', min: 1, max: 9 }],
    saltBytes: { min: 8, max: 16 },
    hashBytes: { min: 16, max: 32 },
  };

  it('reads only its own ids, and only from a string that starts with `$`', () => {
    const encoded = `$demo$n=9$${b64(8)}$${b64(16)}`;
    expect(parsePhc(encoded, format)).toMatchObject({ id: 'demo', version: undefined, params: { n: 9 } });
    expect(parsePhc(encoded.replace('$demo$', '$other$'), format)).toBeUndefined();
    expect(parsePhc(encoded.slice(1), format)).toBeUndefined();
    expect(parsePhc(`x${encoded.slice(1)}`, format)).toBeUndefined();
    expect(parsePhc(encoded.replace('n=9', 'n=10'), format)).toBeUndefined();
  });

  it('refuses a password that is neither a string nor bytes, without quoting it', () => {
    expect(() => passwordBytes(12345 as unknown as string)).toThrow(new TypeError('A password must be a string.'));
    expect([...passwordBytes('é')]).toEqual([0xc3, 0xa9]);
  });
});

describe('argon2id hasher settings', () => {
  it('accepts a 16-byte pepper and refuses a 15-byte one, naming the rule only', () => {
    expect(() => createArgon2idHasher({ ...SMALL_ARGON2ID, pepper: new Uint8Array(16) })).not.toThrow();
    expect(() => createArgon2idHasher({ ...SMALL_ARGON2ID, pepper: new Uint8Array(15) })).toThrow(
      /pepper must be a Uint8Array of at least 16 bytes/,
    );
  });

  it('accepts m·t = 2^22 and refuses more, naming each setting it refuses', () => {
    expect(() => createArgon2idHasher({ memoryCost: 2 ** 20, timeCost: 4 })).not.toThrow();
    expect(() => createArgon2idHasher({ memoryCost: 2 ** 20, timeCost: 5 })).toThrow(
      /memoryCost × timeCost must be at most 4194304 \(got 5242880\)/,
    );
    const refused: [string, object][] = [
      ['parallelism', { parallelism: 65 }],
      ['memoryCost', { memoryCost: 4 }],
      ['timeCost', { timeCost: 101 }],
      ['outputLength', { outputLength: 31 }],
      ['saltLength', { saltLength: 65 }],
    ];
    for (const [name, options] of refused) {
      expect(() => createArgon2idHasher(options)).toThrow(new RegExp(`^argon2id ${name} must be an integer from`));
    }
    expect(() => createArgon2idHasher({ timeCost: 100, memoryCost: 8 })).not.toThrow();
    expect(createArgon2idHasher().algorithm).toBe('argon2id');
  });
});

describe('scrypt: what a stored hash or a setting may ask for', () => {
  it('accepts N·r·p = 2^24 and 128·N·r = 1 GiB exactly, and refuses one step beyond', () => {
    // ln=19, r=16, p=2: N·r·p = 2^24 and 128·N·r = 2^30, both at the ceiling.
    expect(parseScrypt(scrypt('ln=19,r=16,p=2'))).toMatchObject({ log2Cost: 19, blockSize: 16, parallelism: 2 });
    expect(parseScrypt(scrypt('ln=19,r=16,p=3'))).toBeUndefined();
    expect(parseScrypt(scrypt('ln=20,r=16,p=1'))).toBeUndefined();
    expect(() => createScryptHasher({ log2Cost: 19, blockSize: 16, parallelism: 2 })).not.toThrow();
    expect(() => createScryptHasher({ log2Cost: 19, blockSize: 16, parallelism: 3 })).toThrow(
      /N·r·p must be at most 2\^24 .*\(got ln=19, r=16, p=3\)/,
    );
    expect(() => createScryptHasher({ log2Cost: 22, blockSize: 1, parallelism: 1 })).not.toThrow();
  });

  it('names each setting it refuses', () => {
    const refused: [string, object][] = [
      ['log2Cost', { log2Cost: 23 }],
      ['blockSize', { blockSize: 33 }],
      ['parallelism', { parallelism: 17 }],
      ['keyLength', { keyLength: 31 }],
      ['saltLength', { saltLength: 65 }],
    ];
    for (const [name, options] of refused) {
      expect(() => createScryptHasher(options)).toThrow(new RegExp(`^scrypt ${name} must be an integer from`));
    }
    expect(() => createScryptHasher({ keyLength: 64, saltLength: 64 })).not.toThrow();
    expect(createScryptHasher().algorithm).toBe('scrypt');
  });

  it('asks to replace a hash whose key or salt is shorter than it writes', () => {
    const hasher = createScryptHasher({ log2Cost: 10, blockSize: 8, parallelism: 1 });
    expect(hasher.needsRehash(scrypt('ln=10,r=8,p=1'))).toBe(false);
    expect(hasher.needsRehash(scrypt('ln=10,r=8,p=1', { hash: 31 }))).toBe(true);
    expect(hasher.needsRehash(scrypt('ln=10,r=8,p=1', { salt: 15 }))).toBe(true);
  });

  it('refuses to derive with parameters outside the limits, before any work', async () => {
    const salt = Buffer.alloc(16);
    const base = { log2Cost: 4, blockSize: 1, parallelism: 1, keyLength: 32 };
    await expect(deriveScrypt('pw', salt, base)).resolves.toHaveLength(32);
    for (const bad of [
      { log2Cost: 0 },
      { log2Cost: 23 },
      { log2Cost: 4.5 },
      { blockSize: 0 },
      { blockSize: 33 },
      { parallelism: 0 },
      { parallelism: 17 },
      { keyLength: 0 },
      { keyLength: 1025 },
      { log2Cost: 20, blockSize: 32 },
      { log2Cost: 19, blockSize: 16, parallelism: 3 },
    ]) {
      await expect(deriveScrypt('pw', salt, { ...base, ...bad })).rejects.toThrow(
        new RangeError('scrypt parameters are outside the supported limits.'),
      );
    }
    await expect(deriveScrypt('pw', salt, { ...base, keyLength: 1024 })).resolves.toHaveLength(1024);
  });
});

describe('bcrypt and PBKDF2 verifier settings and strings', () => {
  it('lets bcrypt maxCost go from 4 to 31', () => {
    expect(() => createBcryptVerifier({ maxCost: 4 })).not.toThrow();
    expect(() => createBcryptVerifier({ maxCost: 31 })).not.toThrow();
    for (const maxCost of [3, 32, 12.5]) {
      expect(() => createBcryptVerifier({ maxCost })).toThrow(/bcrypt maxCost must be an integer from 4 to 31/);
    }
    expect(createBcryptVerifier().algorithm).toBe('bcrypt');
  });

  it('lets PBKDF2 maxIterations go from 1 to 100,000,000', () => {
    expect(() => createPbkdf2Sha256Verifier({ maxIterations: 1 })).not.toThrow();
    expect(() => createPbkdf2Sha256Verifier({ maxIterations: 100_000_000 })).not.toThrow();
    for (const maxIterations of [0, 100_000_001]) {
      expect(() => createPbkdf2Sha256Verifier({ maxIterations })).toThrow(
        /pbkdf2 maxIterations must be an integer from 1 to 100000000/,
      );
    }
    expect(createPbkdf2Sha256Verifier().algorithm).toBe('pbkdf2_sha256');
  });

  const django = (password: string, salt: string, iterations: number) =>
    `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`;

  it('verifies a Django hash of a single iteration, and salts of up to 128 printable characters', async () => {
    const verifier = createPbkdf2Sha256Verifier();
    await expect(verifier.verify(django('pw', 'salt', 1), 'pw')).resolves.toBe(true);
    const longest = 'S'.repeat(128);
    await expect(verifier.verify(django('pw', longest, 2), 'pw')).resolves.toBe(true);
    for (const salt of ['S'.repeat(129), 'with space', 'sälz', '']) {
      await expect(verifier.verify(django('pw', salt, 2), 'pw')).resolves.toBe(false);
    }
  });

  it('accepts exactly one spelling of each key', () => {
    const encoded = django('pw', 'salt', 2);
    const key = encoded.split('$')[3]!;
    // 32 bytes take 43 characters and 2 bits more: the character before `=` has 2 low bits that decode to nothing.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const stray = alphabet[alphabet.indexOf(key.at(-2)!) | 1]!;
    const spelled = encoded.replace(key, `${key.slice(0, -2)}${stray}=`);
    expect(Buffer.from(spelled.split('$')[3]!, 'base64')).toEqual(Buffer.from(key, 'base64'));
    expect(parseDjangoPbkdf2Sha256(encoded, 10)).toBeDefined();
    expect(parseDjangoPbkdf2Sha256(spelled, 10)).toBeUndefined();
  });
});

describe('createPasswordHashing configuration', () => {
  const primary = createArgon2idHasher(SMALL_ARGON2ID);

  it('refuses a primary that cannot hash or judge a rehash, and a verifier that is not one', () => {
    const { hash: _hash, ...cannotHash } = primary;
    const { needsRehash: _needsRehash, ...cannotJudge } = primary;
    for (const incomplete of [cannotHash, cannotJudge]) {
      expect(() => createPasswordHashing({ primary: incomplete as typeof primary })).toThrow(/needs a primary hasher/);
    }
    expect(() => createPasswordHashing({ primary, verifiers: [null as never] })).toThrow(ConfigurationError);
    expect(() => createPasswordHashing({ primary, verifiers: [null as never] })).toThrow(
      /recognizes\(\) and verify\(\)/,
    );
  });
});
