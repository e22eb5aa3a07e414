import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/domain/errors.js';
import { createBcryptVerifier } from '../../src/hashing/bcrypt.verifier.js';
import { HTPASSWD_BCRYPT_HASHES } from './fixtures/foreign-hashes.js';

const verifier = createBcryptVerifier();

/** Openwall crypt_blowfish's published vectors (wrapper.c), also used by OpenBSD's and most bcrypt test suites. */
const OPENWALL_VECTORS = [
  { password: 'U*U', encoded: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' },
  { password: 'U*U*', encoded: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK' },
  { password: 'U*U*U', encoded: '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a' },
  { password: '', encoded: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy' },
  {
    password: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored',
    encoded: '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui',
  },
] as const;

describe('bcrypt verifier (verify only)', () => {
  it.each(OPENWALL_VECTORS)('verifies the Openwall vector for "$password"', async ({ password, encoded }) => {
    await expect(verifier.verify(encoded, password)).resolves.toBe(true);
    // A changed first character: appending would not do for the last vector, whose 73rd byte on is ignored.
    await expect(verifier.verify(encoded, `x${password}`)).resolves.toBe(false);
  });

  it('verifies the same hashes under the $2b$ and $2y$ labels (identical algorithm for these passwords)', async () => {
    for (const { password, encoded } of OPENWALL_VECTORS.slice(0, 4)) {
      await expect(verifier.verify(encoded.replace('$2a$', '$2b$'), password)).resolves.toBe(true);
      await expect(verifier.verify(encoded.replace('$2a$', '$2y$'), password)).resolves.toBe(true);
    }
  });

  it.each(HTPASSWD_BCRYPT_HASHES)('verifies the htpasswd hash of `$command`', async ({ password, encoded }) => {
    expect(encoded.startsWith('$2y$')).toBe(true);
    await expect(verifier.verify(encoded, password)).resolves.toBe(true);
    await expect(verifier.verify(encoded, password.toUpperCase())).resolves.toBe(false);
  });

  it('keeps bcrypt semantics: only the first 72 bytes count (which is why such hashes are replaced)', async () => {
    const { encoded, password } = OPENWALL_VECTORS[4];
    await expect(verifier.verify(encoded, password.slice(0, 72))).resolves.toBe(true);
    await expect(verifier.verify(encoded, password.slice(0, 71))).resolves.toBe(false);
  });

  it('refuses wrong passwords and tampered hashes', async () => {
    const { encoded } = OPENWALL_VECTORS[0];
    await expect(verifier.verify(encoded, 'U*u')).resolves.toBe(false);
    await expect(verifier.verify(encoded, 'ME*ME')).resolves.toBe(false);
    await expect(verifier.verify(encoded.replace('E5YPO9', 'E5YPO8'), 'U*U')).resolves.toBe(false);
    await expect(verifier.verify(encoded.replace('$05$', '$06$'), 'U*U')).resolves.toBe(false);
    await expect(verifier.verify(encoded.replace('CCCCC', 'CCCCD'), 'U*U')).resolves.toBe(false);
  });

  it('answers false, without throwing or working, for malformed, unsupported and too costly strings', async () => {
    const { encoded } = OPENWALL_VECTORS[0];
    const refused = [
      '',
      '$2a$',
      encoded.slice(0, -1),
      `${encoded}A`,
      `${encoded}\n`,
      encoded.replace('$2a$', '$2x$'), // crypt_blowfish's label for its old sign-extension bug
      encoded.replace('$2a$', '$2$'),
      encoded.replace('$2a$', '$2c$'),
      encoded.replace('$05$', '$5$'),
      encoded.replace('$05$', '$03$'),
      encoded.replace('$05$', '$17$'), // above the default maxCost of 16: would take seconds to minutes
      encoded.replace('$05$', '$31$'), // would take days
      encoded.replace('CCCC', 'CC_C'),
    ];
    const started = performance.now();
    for (const candidate of refused) await expect(verifier.verify(candidate, 'U*U')).resolves.toBe(false);
    // Each would cost seconds (or days) if it were run; refusing all of them costs next to nothing. The bound is
    // loose so a loaded CI machine cannot fail it.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('recognizes the bcrypt family, including labels it refuses', () => {
    for (const prefix of ['$2a$', '$2b$', '$2y$', '$2x$']) expect(verifier.recognizes(`${prefix}05$...`)).toBe(true);
    for (const other of ['$2$05$', '$argon2id$', 'pbkdf2_sha256$', '2a$05$'])
      expect(verifier.recognizes(other)).toBe(false);
  });

  it('lets the cost ceiling be lowered or raised within bcrypt’s range', async () => {
    const strict = createBcryptVerifier({ maxCost: 4 });
    await expect(strict.verify(OPENWALL_VECTORS[0].encoded, 'U*U')).resolves.toBe(false);
    await expect(createBcryptVerifier({ maxCost: 5 }).verify(OPENWALL_VECTORS[0].encoded, 'U*U')).resolves.toBe(true);
    for (const maxCost of [3, 32, 5.5, Number.NaN]) {
      expect(() => createBcryptVerifier({ maxCost })).toThrow(ConfigurationError);
    }
  });
});
