import { describe, expect, it } from 'vitest';
import {
  createArgon2idHasher,
  createDefaultPasswordHasher,
  createPasswordHashing,
  type HashVerifier,
} from '../../src/hashing/index.js';
import {
  ARGON2_CLI_HASHES,
  DJANGO_PBKDF2_HASHES,
  HTPASSWD_BCRYPT_HASHES,
  PASSLIB_SCRYPT_HASHES,
} from './fixtures/foreign-hashes.js';
import { legacyHashes } from './fixtures/legacy-hashes.js';
import { SMALL_ARGON2ID } from './fixtures/small-parameters.js';

const PASSWORD = 'correct horse battery staple';
const hashing = createDefaultPasswordHasher({ argon2id: SMALL_ARGON2ID });

describe('PasswordHasher.recognizes (the default composition)', () => {
  it('recognizes and verifies argon2id/argon2i, scrypt, bcrypt $2a$/$2b$/$2y$ and Django pbkdf2_sha256 made elsewhere', async () => {
    const hashes = await legacyHashes(PASSWORD);
    expect(hashes).toEqual({
      argon2id: expect.stringMatching(/^\$argon2id\$v=19\$m=128,t=1,p=1\$/),
      argon2i: expect.stringMatching(/^\$argon2i\$v=19\$/),
      scrypt: expect.stringMatching(/^\$scrypt\$ln=10,r=8,p=1\$/),
      bcrypt2a: expect.stringMatching(/^\$2a\$04\$/),
      bcrypt2b: expect.stringMatching(/^\$2b\$04\$/),
      bcrypt2y: expect.stringMatching(/^\$2y\$04\$/),
      django: expect.stringMatching(/^pbkdf2_sha256\$1000\$/),
    });
    for (const [family, encoded] of Object.entries(hashes)) {
      expect(hashing.recognizes?.(encoded), family).toBe(true);
      expect(await hashing.verify(encoded, PASSWORD), family).toBe(true);
      expect(await hashing.verify(encoded, `${PASSWORD}!`), family).toBe(false);
      expect(hashing.needsRehash(encoded), family).toBe(true);
    }
  });

  it('recognizes the committed hashes of the reference tools (argon2 CLI, passlib, htpasswd, Django)', async () => {
    for (const fixture of [
      ...ARGON2_CLI_HASHES,
      ...PASSLIB_SCRYPT_HASHES,
      ...HTPASSWD_BCRYPT_HASHES,
      ...DJANGO_PBKDF2_HASHES,
      { password: 'U*U', encoded: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' },
    ]) {
      expect(hashing.recognizes?.(fixture.encoded), fixture.encoded.slice(0, 12)).toBe(true);
      expect(await hashing.verify(fixture.encoded, fixture.password)).toBe(true);
    }
  });

  it('recognizes its own argon2id hashes', async () => {
    expect(hashing.recognizes?.(await hashing.hash(PASSWORD))).toBe(true);
  });

  it('refuses what verify would never check: other formats, malformed strings, work above the limits, $2x$', async () => {
    const { bcrypt2b, argon2id, django, scrypt } = await legacyHashes(PASSWORD);
    for (const encoded of [
      '',
      '!',
      'plain text',
      'md5$salt$5f4dcc3b5aa765d61d8327deb882cf99',
      'sha1$salt$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8',
      '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', // md5crypt
      '$6$saltsalt$abc', // sha512crypt
      bcrypt2b.replace(/^\$2b\$/, '$2x$'), // crypt_blowfish's sign-extension-bug label
      bcrypt2b.slice(0, -1), // one character short
      bcrypt2b.replace(/^\$2b\$04/, '$2b$31'), // 2^31 rounds
      argon2id.replace(/m=128/, 'm=4194304'), // 4 GiB
      argon2id.replace(/t=1/, 't=0'),
      `${argon2id}$extra`,
      django.replace(/\$1000\$/, '$999999999$'), // above maxIterations
      django.replace(/=$/, ''), // unpadded
      scrypt.replace(/ln=10/, 'ln=30'),
      `${scrypt}$x`,
      ` ${django}`,
    ]) {
      expect(hashing.recognizes?.(encoded), encoded.slice(0, 16)).toBe(false);
      expect(await hashing.verify(encoded, PASSWORD)).toBe(false);
    }
    expect(hashing.recognizes?.(undefined as unknown as string)).toBe(false);
  });

  it('follows a verifier without accepts() on its prefix test alone, and a primary alone on its own family', () => {
    const legacy: HashVerifier = {
      algorithm: 'legacy',
      recognizes: (encoded) => encoded.startsWith('legacy$'),
      verify: async () => false,
    };
    const composed = createPasswordHashing({ primary: createArgon2idHasher(SMALL_ARGON2ID), verifiers: [legacy] });
    expect(composed.recognizes?.('legacy$anything')).toBe(true);
    expect(composed.recognizes?.('$2b$04$nope')).toBe(false);
    expect(composed.recognizes?.('$argon2id$v=19$m=256,t=1,p=1$bad')).toBe(false);
  });
});
