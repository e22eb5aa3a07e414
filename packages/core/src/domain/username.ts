/**
 * Username and email canonicalization, in the spirit of PRECIS UsernameCaseMapped (RFC 8265).
 *
 * A username is canonicalized as NFC(lowercase(NFC(input))) and then *rejected*, not folded, when:
 * - NFKC would change it (compatibility characters such as `ᴮᴵᴳ`, full-width letters or ligatures: folding them is how
 *   Spotify's 2013 account takeover happened);
 * - it holds a character outside the allowed set: Unicode letters and combining marks, decimal digits, and `.`, `_`,
 *   `-` (no spaces, no symbols, no control or format characters);
 * - it does not start and end with a letter or digit;
 * - its letters mix scripts (e.g. Latin with Cyrillic: `pаypal` with a Cyrillic `а`), except Han with Hiragana or
 *   Katakana, which Japanese writes together;
 * - it is not 3 to 64 code points long.
 * The canonical form is idempotent: canonicalize(canonicalize(x)) === canonicalize(x).
 */

export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 64;
export const EMAIL_MAX_LENGTH = 254;

export type UsernameProblem =
  | 'too_short'
  | 'too_long'
  | 'compatibility_character'
  | 'disallowed_character'
  | 'bad_edge_character'
  | 'mixed_scripts'
  | 'malformed_unicode';

export type CanonicalResult = { ok: true; value: string } | { ok: false; problem: UsernameProblem };

const ALLOWED = /^[\p{L}\p{M}\p{Nd}._-]+$/u;
const EDGE = /^[\p{L}\p{Nd}]$/u;
const LETTER = /\p{L}/u;
/** Scripts we tell apart for the mixed-script rule. Letters of any other script count as their own group. */
const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Japanese', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Georgian', /\p{Script=Georgian}/u],
];
/** Cheap bound before any Unicode work: 64 code points are at most 128 UTF-16 units, plus room for decomposition. */
const RAW_INPUT_LIMIT = 256;

function scriptOf(char: string): string {
  for (const [name, pattern] of SCRIPTS) if (pattern.test(char)) return name;
  return 'Other';
}

function mixesScripts(value: string): boolean {
  let seen: string | undefined;
  for (const char of value) {
    if (!LETTER.test(char)) continue;
    const script = scriptOf(char);
    if (seen === undefined) seen = script;
    else if (seen !== script) return true;
  }
  return false;
}

function fold(value: string): string {
  return value.normalize('NFC').toLowerCase().normalize('NFC');
}

/**
 * ASCII letters and digits at both ends, `.`, `_`, `-` allowed between, 3 to 64 characters: every rule below holds
 * for such a name once lower-cased (ASCII is its own NFC and NFKC, lower-casing keeps it ASCII, its letters are all
 * Latin), so it skips the Unicode work. Most names are like this, and an import checks millions of them.
 */
const PLAIN_ASCII_USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,62}[A-Za-z0-9]$/;

export function canonicalizeUsername(input: string): CanonicalResult {
  if (input.length > RAW_INPUT_LIMIT) return { ok: false, problem: 'too_long' };
  if (PLAIN_ASCII_USERNAME.test(input)) return { ok: true, value: input.toLowerCase() };
  if (!input.isWellFormed()) return { ok: false, problem: 'malformed_unicode' };
  const value = fold(input);
  const length = [...value].length;
  if (length < USERNAME_MIN_LENGTH) return { ok: false, problem: 'too_short' };
  if (length > USERNAME_MAX_LENGTH) return { ok: false, problem: 'too_long' };
  // Compatibility characters first: `user²` is refused as a superscript, which says more than "not a digit".
  if (value.normalize('NFKC') !== value) return { ok: false, problem: 'compatibility_character' };
  if (!ALLOWED.test(value)) return { ok: false, problem: 'disallowed_character' };
  // Lower-casing can, for a handful of characters, produce a string that folds further; refuse rather than store
  // a form that is not a fixed point.
  if (fold(value) !== value) return { ok: false, problem: 'compatibility_character' };
  const chars = [...value];
  if (!EDGE.test(chars[0] ?? '') || !EDGE.test(chars[chars.length - 1] ?? '')) {
    return { ok: false, problem: 'bad_edge_character' };
  }
  if (mixesScripts(value)) return { ok: false, problem: 'mixed_scripts' };
  return { ok: true, value };
}

/**
 * The canonical form of the beginning of a username (an admin listing's `usernamePrefix`), folded exactly as
 * {@link canonicalizeUsername} folds a whole one, so a prefix matches the stored usernames it begins. It may be
 * shorter than a username (1 code point or more) and end in `.`, `_` or `-`; it is refused when no canonical username
 * could start with it (a compatibility or disallowed character, a bad first character, mixed scripts, too long).
 */
export function canonicalizeUsernamePrefix(input: string): CanonicalResult {
  if (input.length > RAW_INPUT_LIMIT) return { ok: false, problem: 'too_long' };
  if (!input.isWellFormed()) return { ok: false, problem: 'malformed_unicode' };
  const value = fold(input);
  const length = [...value].length;
  if (length < 1) return { ok: false, problem: 'too_short' };
  if (length > USERNAME_MAX_LENGTH) return { ok: false, problem: 'too_long' };
  if (value.normalize('NFKC') !== value) return { ok: false, problem: 'compatibility_character' };
  if (!ALLOWED.test(value)) return { ok: false, problem: 'disallowed_character' };
  if (fold(value) !== value) return { ok: false, problem: 'compatibility_character' };
  if (!EDGE.test([...value][0] ?? '')) return { ok: false, problem: 'bad_edge_character' };
  if (mixesScripts(value)) return { ok: false, problem: 'mixed_scripts' };
  return { ok: true, value };
}

export const USERNAME_PROBLEM_MESSAGES: Record<UsernameProblem, string> = {
  too_short: `must be at least ${USERNAME_MIN_LENGTH} characters`,
  too_long: `must be at most ${USERNAME_MAX_LENGTH} characters`,
  compatibility_character: 'contains a compatibility character (such as superscript or full-width letters)',
  disallowed_character: 'may contain only letters, digits, ".", "_" and "-"',
  bad_edge_character: 'must start and end with a letter or digit',
  mixed_scripts: 'must not mix letters of different scripts',
  malformed_unicode: 'is not well-formed Unicode',
};

const EMAIL_SHAPE = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@\p{Cc}\p{Cf}]+\.[^\s@\p{Cc}\p{Cf}]+$/u;

/** Emails are trimmed, NFC-normalized and lower-cased as a whole; null when not a plausible address. */
/** Printable ASCII, no space: its own NFC, nothing to trim, one code point per character. */
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

export function canonicalizeEmail(input: string): string | null {
  if (input.length > EMAIL_MAX_LENGTH * 2) return null;
  if (PRINTABLE_ASCII.test(input)) {
    const value = input.toLowerCase();
    return value.length > 0 && value.length <= EMAIL_MAX_LENGTH && EMAIL_SHAPE.test(value) ? value : null;
  }
  if (!input.isWellFormed()) return null;
  const value = input.trim().normalize('NFC').toLowerCase();
  if (value.length === 0 || [...value].length > EMAIL_MAX_LENGTH) return null;
  return EMAIL_SHAPE.test(value) ? value : null;
}
