import { canonicalizeEmail, canonicalizeUsername } from '@devauth/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const canonical = (input: string) => {
  const result = canonicalizeUsername(input);
  return result.ok ? result.value : `!${result.problem}`;
};

describe('Function: canonicalizeUsername', () => {
  it('lower-cases and NFC-normalizes', () => {
    expect(canonical('Alice')).toBe('alice');
    expect(canonical('ÉLODIE')).toBe('élodie');
    // e + combining acute (NFD) and the precomposed é are the same user.
    expect(canonical('Ame\u0301lie')).toBe(canonical('Amélie'));
    expect(canonical('José_Ñ-2.x')).toBe('josé_ñ-2.x');
    expect(canonical('山田太郎')).toBe('山田太郎');
    expect(canonical('やまだタロウ')).toBe('やまだタロウ');
  });

  it('rejects compatibility characters instead of folding them (the ᴮᴵᴳᴮᴵᴿᴰ takeover)', () => {
    expect(canonical('ᴮᴵᴳᴮᴵᴿᴰ')).toBe('!compatibility_character');
    expect(canonical('ｂｉｇｂｉｒｄ')).toBe('!compatibility_character');
    expect(canonical('ﬁnance')).toBe('!compatibility_character');
    expect(canonical('user²')).toBe('!compatibility_character');
  });

  it('rejects confusable mixes of scripts', () => {
    // Cyrillic "а" (U+0430) inside Latin "paypal".
    expect(canonical('p\u0430ypal')).toBe('!mixed_scripts');
    // Greek omicron inside Latin.
    expect(canonical('g\u03bfogle')).toBe('!mixed_scripts');
    expect(canonical('\u0440\u0430\u0443')).toBe('рау');
  });

  // One letter of each script the rule tells apart, plus one it does not list (Ethiopic counts as its own group).
  const SCRIPT_LETTERS: ReadonlyArray<[string, string]> = [
    ['Latin', 'a'],
    ['Cyrillic', 'д'],
    ['Greek', 'λ'],
    ['Armenian', 'ա'],
    ['Hebrew', 'א'],
    ['Arabic', 'ب'],
    ['Devanagari', 'क'],
    ['Thai', 'ก'],
    ['Hangul', '한'],
    ['Japanese', '日'],
    ['Georgian', 'ა'],
    ['Ethiopic (unlisted)', 'ሀ'],
  ];

  it('accepts a username written in any one script', () => {
    for (const [script, letter] of SCRIPT_LETTERS) {
      expect({ script, result: canonical(letter.repeat(3)) }).toEqual({ script, result: letter.repeat(3) });
    }
    // Kanji, hiragana and katakana are written together: one group.
    expect(canonical('日本ひカ')).toBe('日本ひカ');
  });

  it('refuses every pair of different scripts, not only mixes with Latin', () => {
    for (const [first, a] of SCRIPT_LETTERS) {
      for (const [second, b] of SCRIPT_LETTERS) {
        if (first === second) continue;
        expect({ first, second, result: canonical(`${a}${a}${b}${b}`) }).toEqual({
          first,
          second,
          result: '!mixed_scripts',
        });
      }
    }
  });

  it('rejects what is not a letter, digit, ".", "_" or "-", and bad edges', () => {
    for (const bad of [
      'al ice',
      'al\u0000ice',
      'al\nice',
      'al\u200bice',
      'al\u202eice',
      'a@b.c',
      'emoji😀x',
      'tab\tx',
    ]) {
      expect(canonical(bad)).toBe('!disallowed_character');
    }
    expect(canonical('.alice')).toBe('!bad_edge_character');
    expect(canonical('alice-')).toBe('!bad_edge_character');
  });

  it('bounds the length in code points: 3 to 64', () => {
    expect(canonical('ab')).toBe('!too_short');
    expect(canonical('')).toBe('!too_short');
    expect(canonical('abc')).toBe('abc');
    expect(canonical('a'.repeat(64))).toBe('a'.repeat(64));
    expect(canonical('a'.repeat(65))).toBe('!too_long');
    expect(canonical('a'.repeat(1_000_000))).toBe('!too_long');
  });

  it('rejects ill-formed UTF-16 (lone surrogates)', () => {
    expect(canonical('abc\ud800')).toBe('!malformed_unicode');
  });

  it('is idempotent for every input it accepts (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (input) => {
        const once = canonicalizeUsername(input);
        if (!once.ok) return;
        const twice = canonicalizeUsername(once.value);
        expect(twice).toEqual(once);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts only the documented character set (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 70 }), (input) => {
        const result = canonicalizeUsername(input);
        if (!result.ok) return;
        expect(result.value).toMatch(/^[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}._-]*$/u);
        expect(result.value.normalize('NFKC')).toBe(result.value);
        expect([...result.value].length).toBeGreaterThanOrEqual(3);
        expect([...result.value].length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('canonicalization of ASCII input (the fast path every rule must agree with)', () => {
  // The documented rules, applied to an ASCII string by hand: ASCII is its own NFC and NFKC and all its letters are
  // Latin, so only the length, the character set and the edges can refuse it.
  const byTheRules = (input: string) => {
    const value = input.toLowerCase();
    if (value.length < 3) return '!too_short';
    if (value.length > 64) return '!too_long';
    if (!/^[a-z0-9._-]+$/.test(value)) return '!disallowed_character';
    if (!/^[a-z0-9]/.test(value) || !/[a-z0-9]$/.test(value)) return '!bad_edge_character';
    return value;
  };
  const ascii = (unit: fc.Arbitrary<string>) => fc.string({ unit, minLength: 0, maxLength: 70 });

  it('gives what the rules give for every ASCII username (property)', () => {
    const nameLike = fc.constantFrom(...'aZ09._-');
    fc.assert(
      fc.property(
        fc.oneof(ascii(nameLike), ascii(fc.constantFrom(...'aZ9._- @\t!')), fc.string({ unit: 'binary-ascii' })),
        (input) => {
          expect(canonical(input)).toBe(byTheRules(input));
        },
      ),
      { numRuns: 2000 },
    );
    expect(canonical('A'.repeat(64))).toBe('a'.repeat(64));
    expect(canonical('A'.repeat(65))).toBe('!too_long');
    expect(canonical('a.b')).toBe('a.b');
    expect(canonical('.ab')).toBe('!bad_edge_character');
    expect(canonical('ab-')).toBe('!bad_edge_character');
  });

  it('gives what trimming, NFC and lower-casing give for every ASCII address (property)', () => {
    const shape = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@\p{Cc}\p{Cf}]+\.[^\s@\p{Cc}\p{Cf}]+$/u;
    const byTheRules = (input: string) => {
      const value = input.trim().normalize('NFC').toLowerCase();
      return value.length > 0 && value.length <= 254 && shape.test(value) ? value : null;
    };
    const addressLike = fc.constantFrom(...'aZ.@-+ \t_9');
    fc.assert(
      fc.property(fc.oneof(ascii(addressLike), fc.string({ unit: 'binary-ascii' })), (input) => {
        expect(canonicalizeEmail(input)).toBe(byTheRules(input));
      }),
      { numRuns: 2000 },
    );
    expect(canonicalizeEmail(`${'a'.repeat(242)}@example.com`)).toBe(`${'a'.repeat(242)}@example.com`);
    expect(canonicalizeEmail(`${'a'.repeat(243)}@example.com`)).toBeNull();
  });
});

describe('Function: canonicalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(canonicalizeEmail('  Alice@Example.COM ')).toBe('alice@example.com');
  });

  it('refuses what is not an address, control characters and more than 254 characters', () => {
    expect(canonicalizeEmail('not-an-email')).toBeNull();
    expect(canonicalizeEmail('a@b')).toBeNull();
    expect(canonicalizeEmail('a\u0000b@example.com')).toBeNull();
    expect(canonicalizeEmail(`${'a'.repeat(243)}@example.com`)).toBeNull();
    expect(canonicalizeEmail(`${'a'.repeat(242)}@example.com`)).toHaveLength(254);
    expect(canonicalizeEmail('x'.repeat(1_000_000))).toBeNull();
  });

  it('judges the whole address, not a plausible prefix of it', () => {
    expect(canonicalizeEmail('alice@example.com@evil.test')).toBeNull();
    expect(canonicalizeEmail('alice@example.com evil')).toBeNull();
    expect(canonicalizeEmail('alice@example.com\u200b')).toBeNull();
  });

  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (input) => {
        const once = canonicalizeEmail(input);
        if (once === null) return;
        expect(canonicalizeEmail(once)).toBe(once);
      }),
    );
  });
});
