/**
 * How RFC 9106 conformance of devauth's argon2 is established. The RFC's §5 vectors use a secret key and associated
 * data; `@node-rs/argon2` takes a secret but no associated data, so it cannot run them itself. Instead:
 *   1. the pure-JS reference `@noble/hashes/argon2` reproduces the RFC 9106 §5.1–5.3 tags exactly (known answers);
 *   2. devauth's own derivation (`deriveArgon2`, the code path of `hash` and `verify`) and its hasher's PHC output
 *      agree with that reference on random passwords, salts and parameters (differential property test).
 * Together: devauth computes RFC 9106 Argon2. The argon2 reference CLI fixtures (argon2-cli.test.ts) check the PHC
 * encoding against a third implementation.
 */
import { argon2d, argon2i, argon2id } from '@noble/hashes/argon2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Argon2Variant,
  createArgon2idHasher,
  deriveArgon2,
  parseArgon2,
} from '../../src/hashing/argon2id.hasher.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('RFC 9106 §5 known answers, through the reference implementation', () => {
  // RFC 9106 §5: password 32 × 0x01, salt 16 × 0x02, secret 8 × 0x03, associated data 12 × 0x04,
  // m = 32 KiB, t = 3, p = 4, tag length 32, version 0x13.
  const inputs = {
    password: new Uint8Array(32).fill(0x01),
    salt: new Uint8Array(16).fill(0x02),
    options: {
      m: 32,
      t: 3,
      p: 4,
      dkLen: 32,
      version: 0x13,
      key: new Uint8Array(8).fill(0x03),
      personalization: new Uint8Array(12).fill(0x04),
    },
  };

  it.each([
    ['§5.3 Argon2id', argon2id, '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659'],
    ['§5.2 Argon2i', argon2i, 'c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8'],
    ['§5.1 Argon2d', argon2d, '512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb'],
  ])('%s tag', (_, reference, tag) => {
    expect(hex(reference(inputs.password, inputs.salt, inputs.options))).toBe(tag);
  });

  it('devauth agrees with the reference on the RFC inputs without associated data (which it cannot take)', async () => {
    const { personalization: _, ...withoutAd } = inputs.options;
    const ours = await deriveArgon2(inputs.password, {
      variant: 'argon2id',
      version: 0x13,
      memoryCost: 32,
      timeCost: 3,
      parallelism: 4,
      outputLength: 32,
      salt: inputs.salt,
      secret: withoutAd.key,
    });
    expect(hex(ours)).toBe(hex(argon2id(inputs.password, inputs.salt, withoutAd)));
  });
});

describe('devauth argon2 against the reference implementation (differential)', () => {
  const references: Record<Argon2Variant, typeof argon2id> = { argon2id, argon2i, argon2d };
  const parameters = fc.record({
    memoryCost: fc.integer({ min: 64, max: 256 }),
    timeCost: fc.integer({ min: 1, max: 3 }),
    parallelism: fc.integer({ min: 1, max: 2 }),
  });
  // 'binary' includes lone surrogates: both sides encode them as U+FFFD (WHATWG UTF-8), so they must agree there too.
  const password = fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.string({ unit: 'grapheme', maxLength: 16 }),
    fc.string({ unit: 'binary', maxLength: 16 }),
  );

  it('derives the same raw tag for random passwords, salts, parameters, versions and variants', async () => {
    await fc.assert(
      fc.asyncProperty(
        password,
        fc.uint8Array({ minLength: 8, maxLength: 32 }),
        parameters,
        fc.constantFrom<Argon2Variant>('argon2id', 'argon2i', 'argon2d'),
        fc.constantFrom<0x10 | 0x13>(0x13, 0x10),
        fc.integer({ min: 16, max: 64 }),
        async (text, salt, params, variant, version, outputLength) => {
          const ours = await deriveArgon2(text, { variant, version, ...params, outputLength, salt });
          const reference = references[variant](text, salt, {
            m: params.memoryCost,
            t: params.timeCost,
            p: params.parallelism,
            dkLen: outputLength,
            version,
          });
          expect(hex(ours)).toBe(hex(reference));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("stores in its PHC string exactly the reference's tag for the salt it chose", async () => {
    await fc.assert(
      fc.asyncProperty(password, parameters, async (text, params) => {
        const hasher = createArgon2idHasher(params);
        const encoded = await hasher.hash(text);
        const stored = parseArgon2(encoded)!;
        expect(stored).toMatchObject({ variant: 'argon2id', version: 0x13, ...params });
        const reference = argon2id(text, stored.salt, {
          m: params.memoryCost,
          t: params.timeCost,
          p: params.parallelism,
          dkLen: 32,
        });
        expect(hex(stored.hash)).toBe(hex(reference));
        await expect(hasher.verify(encoded, text)).resolves.toBe(true);
      }),
      { numRuns: 15 },
    );
  });
});
