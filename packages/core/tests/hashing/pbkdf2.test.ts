import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/domain/errors.js';
import {
  createPbkdf2Sha256Verifier,
  derivePbkdf2Sha256,
  parseDjangoPbkdf2Sha256,
} from '../../src/hashing/pbkdf2.verifier.js';
import { DJANGO_PBKDF2_HASHES } from './fixtures/foreign-hashes.js';

const verifier = createPbkdf2Sha256Verifier();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('PBKDF2-HMAC-SHA256 derivation: RFC 7914 §11 test vectors', () => {
  it.each([
    {
      password: 'passwd',
      salt: 'salt',
      iterations: 1,
      key:
        '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc' +
        '49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
    },
    {
      password: 'Password',
      salt: 'NaCl',
      iterations: 80000,
      key:
        '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56' +
        'a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
    },
  ])('PBKDF2-HMAC-SHA256($password, $salt, c=$iterations, dkLen=64)', async ({ password, salt, iterations, key }) => {
    expect(hex(await derivePbkdf2Sha256(password, salt, iterations, 64))).toBe(key);
  });
});

describe('Django PBKDF2-SHA256 verifier (verify only)', () => {
  it.each(DJANGO_PBKDF2_HASHES)('verifies the hash made by `$command`', async ({ password, encoded }) => {
    await expect(verifier.verify(encoded, password)).resolves.toBe(true);
    await expect(verifier.verify(encoded, `${password}!`)).resolves.toBe(false);
  });

  it('reads the Django format: iterations, salt as text, key as padded base64', async () => {
    const encoded = DJANGO_PBKDF2_HASHES[0]!.encoded;
    const parsed = parseDjangoPbkdf2Sha256(encoded, 10_000_000)!;
    expect(parsed).toMatchObject({ iterations: 10000, salt: 'Wsoq6TRtLtvTjdzi' });
    expect(parsed.key).toEqual(
      await derivePbkdf2Sha256(DJANGO_PBKDF2_HASHES[0]!.password, 'Wsoq6TRtLtvTjdzi', 10000, 32),
    );
  });

  it('refuses wrong passwords and tampered hashes', async () => {
    const { encoded, password } = DJANGO_PBKDF2_HASHES[0]!;
    await expect(verifier.verify(encoded, password.toUpperCase())).resolves.toBe(false);
    await expect(verifier.verify(encoded, '')).resolves.toBe(false);
    await expect(verifier.verify(encoded.replace('$10000$', '$10001$'), password)).resolves.toBe(false);
    await expect(verifier.verify(encoded.replace('Wsoq6', 'Wsoq7'), password)).resolves.toBe(false);
    await expect(verifier.verify(encoded.replace('lEytL', 'lEytM'), password)).resolves.toBe(false);
  });

  it('answers false, without throwing or working, for malformed and too costly strings', async () => {
    const { encoded, password } = DJANGO_PBKDF2_HASHES[0]!;
    // The key ends in 'Q=' (0b010000): its 2 low bits are unused, and 'R' sets one of them.
    const strayBits = encoded.replace(/Q=$/, 'R=');
    expect(strayBits).not.toBe(encoded);
    expect(Buffer.from(strayBits.split('$')[3]!, 'base64')).toEqual(Buffer.from(encoded.split('$')[3]!, 'base64'));
    const refused = [
      '',
      'pbkdf2_sha256$',
      encoded.replace('pbkdf2_sha256$', 'pbkdf2_sha1$'),
      encoded.replace('pbkdf2_sha256$', 'PBKDF2_SHA256$'),
      encoded.replace('$10000$', '$0$'),
      encoded.replace('$10000$', '$010000$'),
      encoded.replace('$10000$', '$-10000$'),
      encoded.replace('$10000$', '$10000000001$'),
      encoded.replace('$10000$', '$10000001$'), // above the default ceiling of 10,000,000
      encoded.replace('$10000$', '$4294967295$'),
      encoded.replace('Wsoq6TRtLtvTjdzi', ''),
      encoded.replace('Wsoq6TRtLtvTjdzi', 'a'.repeat(129)),
      encoded.replace('Wsoq6TRtLtvTjdzi', 'salt with spaces'),
      encoded.replace('Wsoq6TRtLtvTjdzi', 'sålt'),
      encoded.replace(/=$/, ''), // Django pads its base64
      strayBits, // a second spelling of the same key
      `${encoded}=`,
      `${encoded}$`,
      encoded.replace(/\$[^$]+$/, `$${Buffer.alloc(20).toString('base64')}`), // a 20-byte (SHA-1 sized) key
      encoded.replace(/\$[^$]+$/, `$${Buffer.alloc(32).toString('base64url')}=`),
      '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ISO7kkvFzh19GM8qB7patN3C3Y9HHsjlVTfEZ9T600Y',
    ];
    const started = performance.now();
    for (const candidate of refused) await expect(verifier.verify(candidate, password)).resolves.toBe(false);
    // Each would cost seconds (or days) if it were run; refusing all of them costs next to nothing. The bound is
    // loose so a loaded CI machine cannot fail it.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('lets the iteration ceiling be configured', async () => {
    const { encoded, password } = DJANGO_PBKDF2_HASHES[0]!;
    await expect(createPbkdf2Sha256Verifier({ maxIterations: 9999 }).verify(encoded, password)).resolves.toBe(false);
    await expect(createPbkdf2Sha256Verifier({ maxIterations: 10000 }).verify(encoded, password)).resolves.toBe(true);
    for (const maxIterations of [0, -1, 1.5, 100_000_001, Number.POSITIVE_INFINITY]) {
      expect(() => createPbkdf2Sha256Verifier({ maxIterations })).toThrow(ConfigurationError);
    }
  });

  it('recognizes only its own prefix', () => {
    expect(verifier.recognizes('pbkdf2_sha256$1$a$b')).toBe(true);
    expect(verifier.recognizes('pbkdf2_sha1$1$a$b')).toBe(false);
    expect(verifier.recognizes('$pbkdf2-sha256$')).toBe(false);
  });
});
