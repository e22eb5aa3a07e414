import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPhc,
  decodePhcBase64,
  encodePhcBase64,
  formatPhc,
  MAX_PHC_LENGTH,
  type PhcFormat,
  parseDecimal,
  parsePhc,
  phcBase64Length,
} from '../../src/hashing/phc.js';

const FORMAT: PhcFormat<'m' | 't' | 'p'> = {
  ids: ['argon2id'],
  versions: { accepted: [19, 16], whenAbsent: 16 },
  params: [
    { name: 'm', min: 8, max: 1024 },
    { name: 't', min: 1, max: 10 },
    { name: 'p', min: 1, max: 4 },
  ],
  saltBytes: { min: 8, max: 32 },
  hashBytes: { min: 16, max: 32 },
};

const SALT = Buffer.from('somesaltsomesalt');
// 0xfb bytes encode as '+/v7...': both non-alphanumeric base64 characters appear, and the last one ('s') has two
// unused low bits, so the next character ('t') decodes to the same bytes with stray bits set.
const HASH = Buffer.alloc(32, 0xfb);
const VALID = `$argon2id$v=19$m=64,t=2,p=1$${encodePhcBase64(SALT)}$${encodePhcBase64(HASH)}`;

describe('PHC strings', () => {
  it('formats and parses back the same hash', () => {
    const encoded = formatPhc(FORMAT, {
      id: 'argon2id',
      version: 19,
      params: { m: 64, t: 2, p: 1 },
      salt: SALT,
      hash: HASH,
    });
    expect(encoded).toBe(VALID);
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=64,t=2,p=1\$c29tZXNhbHRzb21lc2FsdA\$\+\/v7[A-Za-z0-9+/]{39}$/);
    expect(VALID.endsWith('s')).toBe(true);
    const parsed = parsePhc(encoded, FORMAT);
    expect(parsed).toEqual({ id: 'argon2id', version: 19, params: { m: 64, t: 2, p: 1 }, salt: SALT, hash: HASH });
  });

  it('reads a missing version segment as the format says', () => {
    expect(parsePhc(VALID.replace('$v=19', ''), FORMAT)?.version).toBe(16);
    const versionRequired = { ...FORMAT, versions: { accepted: [19] } };
    expect(parsePhc(VALID.replace('$v=19', ''), versionRequired)).toBeUndefined();
  });

  it.each([
    ['another algorithm', VALID.replace('argon2id', 'argon2x')],
    ['no leading $', VALID.slice(1)],
    ['an unknown version', VALID.replace('v=19', 'v=20')],
    ['a version with a leading zero', VALID.replace('v=19', 'v=019')],
    ['a parameter with a leading zero', VALID.replace('m=64', 'm=064')],
    ['a signed parameter', VALID.replace('m=64', 'm=+64')],
    ['a non-integer parameter', VALID.replace('m=64', 'm=6.4')],
    ['an empty parameter', VALID.replace('m=64', 'm=')],
    ['a parameter above its bound', VALID.replace('m=64', 'm=2048')],
    ['a parameter below its bound', VALID.replace('t=2', 't=0')],
    ['an absurd parameter', VALID.replace('m=64', 'm=99999999999')],
    ['reordered parameters', VALID.replace('m=64,t=2', 't=2,m=64')],
    ['a repeated parameter', VALID.replace('m=64,t=2,p=1', 'm=64,t=2,p=1,p=1')],
    ['an unknown parameter', VALID.replace('p=1', 'p=1,data=YWJj')],
    ['a missing parameter', VALID.replace(',p=1', '')],
    ['a missing hash', VALID.slice(0, VALID.lastIndexOf('$'))],
    ['an extra segment', `${VALID}$AAAA`],
    ['an empty salt', VALID.replace(encodePhcBase64(SALT), '')],
    ['a short salt', VALID.replace(encodePhcBase64(SALT), encodePhcBase64(Buffer.alloc(7)))],
    ['a short hash', VALID.replace(encodePhcBase64(HASH), encodePhcBase64(Buffer.alloc(15)))],
    ['a long hash', VALID.replace(encodePhcBase64(HASH), encodePhcBase64(Buffer.alloc(33)))],
    ['base64 padding', `${VALID}=`],
    ['the URL-safe alphabet', VALID.replace(/\+|\//g, '-')],
    ['whitespace', VALID.replace('$m=', '$ m=')],
    ['a trailing newline', `${VALID}\n`],
    ['non-canonical trailing bits', `${VALID.slice(0, -1)}t`],
    ['an overlong string', VALID + 'A'.repeat(MAX_PHC_LENGTH)],
    ['an empty string', ''],
    ['a lone $', '$'],
  ])('refuses %s', (_, encoded) => {
    expect(parsePhc(encoded, FORMAT)).toBeUndefined();
  });

  it('never throws, whatever the input', () => {
    const mutated = fc
      .tuple(fc.nat({ max: VALID.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 8 }))
      .map(([at, cut, insert]) => VALID.slice(0, at) + insert + VALID.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), mutated), (encoded) => {
        const parsed = parsePhc(encoded, FORMAT);
        // Whatever is accepted is canonical: formatting it gives back the very same string.
        if (parsed) {
          const canonical = formatPhc(FORMAT, parsed);
          expect(encoded.includes('$v=') ? canonical : canonical.replace(`$v=${parsed.version}`, '')).toBe(encoded);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('accepts exactly one spelling of each byte string in base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        const text = encodePhcBase64(bytes);
        expect(text).not.toContain('=');
        expect(decodePhcBase64(text, { min: 0, max: 40 })).toEqual(Buffer.from(bytes));
      }),
    );
    expect(decodePhcBase64('QQ', { min: 0, max: 4 })).toEqual(Buffer.from('A'));
    expect(decodePhcBase64('QR', { min: 0, max: 4 })).toBeUndefined(); // same byte, stray low bits
    expect(decodePhcBase64('QQ==', { min: 0, max: 4 })).toBeUndefined();
    expect(decodePhcBase64('Q', { min: 0, max: 4 })).toBeUndefined();
    expect(decodePhcBase64('QUJD', { min: 4, max: 4 })).toBeUndefined(); // 3 bytes, 4 required
  });

  it('decides canonical base64 from the text alone exactly as decoding and re-encoding would', () => {
    // The definition the text-only check replaces: the alphabet, then the bytes must re-encode to the same text.
    const roundTrips = (text: string, range: { min: number; max: number }) => {
      if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return undefined;
      const decoded = Buffer.from(text, 'base64');
      const fits = decoded.length >= range.min && decoded.length <= range.max;
      return fits && encodePhcBase64(decoded) === text ? decoded.length : undefined;
    };
    const base64ish = fc.string({ unit: fc.constantFrom(...'AQRSYgowx4+/=-_ 9z'), maxLength: 12 });
    const range = fc.tuple(fc.nat({ max: 10 }), fc.nat({ max: 10 })).map(([a, b]) => ({ min: a, max: a + b }));
    fc.assert(
      fc.property(fc.oneof(base64ish, fc.string({ maxLength: 12 })), range, (text, bytes) => {
        expect(phcBase64Length(text, bytes)).toBe(roundTrips(text, bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('checks without decoding exactly what it parses', () => {
    const mutated = fc
      .tuple(
        fc.nat({ max: VALID.length }),
        fc.nat({ max: 4 }),
        fc.string({ unit: fc.constantFrom(...'AQt+/=$,'), maxLength: 3 }),
      )
      .map(([at, cut, insert]) => VALID.slice(0, at) + insert + VALID.slice(at + cut));
    fc.assert(
      fc.property(mutated, (encoded) => {
        const parsed = parsePhc(encoded, FORMAT);
        expect(checkPhc(encoded, FORMAT)).toEqual(
          parsed && { id: parsed.id, version: parsed.version, params: parsed.params },
        );
      }),
      { numRuns: 1000 },
    );
    expect(checkPhc(VALID, FORMAT)).toEqual({ id: 'argon2id', version: 19, params: { m: 64, t: 2, p: 1 } });
  });

  it('parses canonical decimals only', () => {
    expect(parseDecimal('0')).toBe(0);
    expect(parseDecimal('19456')).toBe(19456);
    expect(parseDecimal('4294967295')).toBe(4294967295);
    for (const text of ['', '00', '01', '-1', '+1', '1e3', '0x10', ' 1', '1 ', '12345678901', '١٢']) {
      expect(parseDecimal(text)).toBeUndefined();
    }
  });
});
