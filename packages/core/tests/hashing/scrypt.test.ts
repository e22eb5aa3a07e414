import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/domain/errors.js';
import { encodePhcBase64 } from '../../src/hashing/phc.js';
import { createScryptHasher, deriveScrypt, OWASP_SCRYPT, parseScrypt } from '../../src/hashing/scrypt.hasher.js';
import { PASSLIB_SCRYPT_HASHES } from './fixtures/foreign-hashes.js';
import { SMALL_SCRYPT, TRICKY_PASSWORDS } from './fixtures/small-parameters.js';

const hasher = createScryptHasher(SMALL_SCRYPT);
const PASSWORD = 'correct horse battery staple';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('scrypt derivation: RFC 7914 §12 test vectors', () => {
  // Through deriveScrypt, the function hash and verify use. N = 2^log2Cost.
  it.each([
    {
      password: '',
      salt: '',
      cost: { log2Cost: 4, blockSize: 1, parallelism: 1, keyLength: 64 }, // N = 16
      key:
        '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442' +
        'fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
    },
    {
      password: 'password',
      salt: 'NaCl',
      cost: { log2Cost: 10, blockSize: 8, parallelism: 16, keyLength: 64 }, // N = 1024
      key:
        'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162' +
        '2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    },
    {
      password: 'pleaseletmein',
      salt: 'SodiumChloride',
      cost: { log2Cost: 14, blockSize: 8, parallelism: 1, keyLength: 64 }, // N = 16384
      key:
        '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2' +
        'd5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887',
    },
  ])(
    'scrypt($password, $salt, ln=$cost.log2Cost, r=$cost.blockSize, p=$cost.parallelism)',
    async ({ password, salt, cost, key }) => {
      expect(hex(await deriveScrypt(password, Buffer.from(salt), cost))).toBe(key);
    },
  );

  it('refuses parameters beyond the limits instead of deriving', async () => {
    const cost = { log2Cost: 10, blockSize: 8, parallelism: 1, keyLength: 32 };
    const salt = Buffer.alloc(16);
    await expect(deriveScrypt('x', salt, { ...cost, log2Cost: 23 })).rejects.toBeInstanceOf(RangeError);
    await expect(deriveScrypt('x', salt, { ...cost, log2Cost: 21 })).rejects.toBeInstanceOf(RangeError); // 2 GiB
    await expect(deriveScrypt('x', salt, { ...cost, log2Cost: 20, parallelism: 4 })).rejects.toBeInstanceOf(RangeError);
    await expect(deriveScrypt('x', salt, { ...cost, blockSize: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('scrypt hasher', () => {
  it('hashes at N=2^17, r=8, p=1 by default, in the passlib PHC form', async () => {
    expect(OWASP_SCRYPT).toEqual({ log2Cost: 17, blockSize: 8, parallelism: 1, keyLength: 32, saltLength: 16 });
    const owasp = createScryptHasher();
    const encoded = await owasp.hash(PASSWORD); // 128 MiB: above Node's default maxmem, so this proves it is raised
    expect(encoded).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    await expect(owasp.verify(encoded, PASSWORD)).resolves.toBe(true);
    expect(owasp.needsRehash(encoded)).toBe(false);
  });

  it('round-trips every kind of password, including the empty one, and refuses any other', async () => {
    const hashes = await Promise.all(TRICKY_PASSWORDS.map((password) => hasher.hash(password)));
    for (const [index, encoded] of hashes.entries()) {
      await expect(hasher.verify(encoded, TRICKY_PASSWORDS[index]!)).resolves.toBe(true);
      await expect(hasher.verify(encoded, TRICKY_PASSWORDS[(index + 1) % TRICKY_PASSWORDS.length]!)).resolves.toBe(
        false,
      );
    }
  });

  it('stores the raw scrypt key of the salt it chose', async () => {
    const encoded = await hasher.hash(PASSWORD);
    const stored = parseScrypt(encoded)!;
    expect(stored.salt).toHaveLength(16);
    const key = await deriveScrypt(PASSWORD, stored.salt, { ...SMALL_SCRYPT, keyLength: 32 });
    expect(stored.hash).toEqual(key);
  });

  it.each(PASSLIB_SCRYPT_HASHES)('verifies the passlib hash of `$command`', async ({ password, encoded }) => {
    await expect(hasher.verify(encoded, password)).resolves.toBe(true);
    await expect(hasher.verify(encoded, `${password} `)).resolves.toBe(false);
    // The first is at the current parameters; the second has r=4 < 8.
    expect(hasher.needsRehash(encoded)).toBe(password !== PASSWORD);
  });

  it('refuses wrong passwords, tampered hashes and changed parameters', async () => {
    const encoded = await hasher.hash(PASSWORD);
    await expect(hasher.verify(encoded, 'correct horse battery stapl')).resolves.toBe(false);
    const at = encoded.length - 4;
    const tampered = encoded.slice(0, at) + (encoded[at] === 'A' ? 'B' : 'A') + encoded.slice(at + 1);
    await expect(hasher.verify(tampered, PASSWORD)).resolves.toBe(false);
    for (const [from, to] of [
      ['ln=10', 'ln=11'],
      ['r=8', 'r=7'],
      ['p=1', 'p=2'],
    ] as const) {
      await expect(hasher.verify(encoded.replace(from, to), PASSWORD)).resolves.toBe(false);
    }
  });

  it('answers false, without throwing or working, for malformed and out-of-bounds strings', async () => {
    const encoded = await hasher.hash(PASSWORD);
    const refused = [
      '',
      '$scrypt$',
      encoded.replace('ln=10,r=8,p=1', 'r=8,ln=10,p=1'),
      encoded.replace('ln=10', 'ln=0'),
      encoded.replace('ln=10', 'ln=23'), // N beyond 2^22
      encoded.replace('ln=10,r=8', 'ln=21,r=8'), // 2 GiB of memory
      encoded.replace('ln=10,r=8,p=1', 'ln=20,r=8,p=16'), // 1 GiB, but 2^27 of work
      encoded.replace('r=8', 'r=33'),
      encoded.replace('p=1', 'p=17'),
      encoded.replace('ln=10', 'ln=99999999999'),
      encoded.replace('$scrypt$', '$scrypt$v=1$'),
      `${encoded}$`,
      encoded.replace(/\$[^$]+$/, `$${encodePhcBase64(Buffer.alloc(15))}`), // 15-byte key
      '$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$ISO7kkvFzh19GM8qB7patN3C3Y9HHsjlVTfEZ9T600Y',
    ];
    const started = performance.now();
    for (const candidate of refused) {
      await expect(hasher.verify(candidate, PASSWORD)).resolves.toBe(false);
      expect(hasher.needsRehash(candidate)).toBe(true);
    }
    // Each would cost seconds (or days) if it were run; refusing all of them costs next to nothing. The bound is
    // loose so a loaded CI machine cannot fail it.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('needs a rehash below any current parameter, and not at or above them', async () => {
    const current = createScryptHasher({ log2Cost: 10, blockSize: 4, parallelism: 2 });
    expect(current.needsRehash(await current.hash(PASSWORD))).toBe(false);
    expect(
      current.needsRehash(await createScryptHasher({ log2Cost: 11, blockSize: 8, parallelism: 2 }).hash(PASSWORD)),
    ).toBe(false);
    for (const weaker of [{ log2Cost: 9 }, { blockSize: 2 }, { parallelism: 1 }]) {
      const encoded = await createScryptHasher({ log2Cost: 10, blockSize: 4, parallelism: 2, ...weaker }).hash(
        PASSWORD,
      );
      await expect(current.verify(encoded, PASSWORD)).resolves.toBe(true);
      expect(current.needsRehash(encoded)).toBe(true);
    }
    const salt = Buffer.alloc(8, 3);
    const key = await deriveScrypt(PASSWORD, salt, { log2Cost: 10, blockSize: 4, parallelism: 2, keyLength: 16 });
    const shortSaltAndKey = `$scrypt$ln=10,r=4,p=2$${encodePhcBase64(salt)}$${encodePhcBase64(key)}`;
    await expect(current.verify(shortSaltAndKey, PASSWORD)).resolves.toBe(true);
    expect(current.needsRehash(shortSaltAndKey)).toBe(true);
  });

  it('recognizes only scrypt strings', () => {
    expect(hasher.recognizes('$scrypt$ln=17,r=8,p=1$...')).toBe(true);
    expect(hasher.recognizes('$argon2id$v=19$...')).toBe(false);
    expect(hasher.recognizes('scrypt')).toBe(false);
  });

  it.each([
    { log2Cost: 0 },
    { log2Cost: 23 },
    { log2Cost: 21 }, // 2 GiB
    { log2Cost: 17.5 },
    { blockSize: 0 },
    { blockSize: 33 },
    { parallelism: 0 },
    { parallelism: 17 },
    { log2Cost: 20, parallelism: 4 },
    { keyLength: 16 },
    { keyLength: 65 },
    { saltLength: 8 },
  ])('refuses the configuration %o with a ConfigurationError', (options) => {
    expect(() => createScryptHasher(options)).toThrow(ConfigurationError);
  });
});
