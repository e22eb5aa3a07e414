import { ConfigurationError, type FieldIssue, ValidationError } from './errors.js';

/**
 * Password rules from OWASP ASVS 5.0 V6 and NIST SP 800-63B-4: a minimum length (default 12, never below 8), a
 * maximum of at least 64 (default 256 code points and 1024 UTF-8 bytes, checked before any hashing), no composition
 * rules, no truncation, NFKC normalization before hashing, and refusal of common passwords and of a password equal to
 * the username or email.
 */
export interface PasswordPolicyOptions {
  readonly minLength: number;
  readonly maxLength: number;
  readonly maxBytes: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicyOptions = { minLength: 12, maxLength: 256, maxBytes: 1024 };

/** The normalization devauth applies before hashing. Recorded on each user (see `UserRecord.passwordNormalization`). */
export const PASSWORD_NORMALIZATION = 'NFKC' as const;

export function resolvePasswordPolicy(options: Partial<PasswordPolicyOptions> = {}): PasswordPolicyOptions {
  const policy = { ...DEFAULT_PASSWORD_POLICY, ...options };
  if (!Number.isInteger(policy.minLength) || policy.minLength < 8) {
    throw new ConfigurationError('passwordPolicy.minLength must be an integer of at least 8.');
  }
  if (!Number.isInteger(policy.maxLength) || policy.maxLength < 64 || policy.maxLength < policy.minLength) {
    throw new ConfigurationError('passwordPolicy.maxLength must be an integer of at least 64 and minLength.');
  }
  if (!Number.isInteger(policy.maxBytes) || policy.maxBytes < policy.maxLength || policy.maxBytes > 4096) {
    throw new ConfigurationError('passwordPolicy.maxBytes must be between maxLength and 4096.');
  }
  return policy;
}

/**
 * The cheap bound every path runs before it does anything expensive with a password: type, well-formed UTF-16 and
 * size. A 1 MB password is refused here, in microseconds, and never reaches a hasher.
 */
export function checkPasswordBounds(password: unknown, policy: PasswordPolicyOptions, path = 'password'): string {
  if (typeof password !== 'string') throw ValidationError.single(path, 'invalid_type', 'must be a string');
  // Every UTF-16 unit is at least one UTF-8 byte, so this rejects huge inputs before measuring them.
  if (password.length > policy.maxBytes || Buffer.byteLength(password, 'utf8') > policy.maxBytes) {
    throw ValidationError.single(path, 'too_big', `must be at most ${policy.maxBytes} bytes`);
  }
  if (!password.isWellFormed()) throw ValidationError.single(path, 'malformed_unicode', 'is not well-formed Unicode');
  return password;
}

export function normalizePassword(password: string, normalization: 'NFKC' | 'none'): string {
  return normalization === 'none' ? password : password.normalize(normalization);
}

/** Answers whether a (normalized, lower-cased) password is on a common-password list. */
export interface CommonPasswordList {
  isCommon(normalizedLowercase: string): Promise<boolean>;
}

export interface NewPasswordContext {
  readonly username: string;
  readonly email: string | null;
}

/**
 * Checks a new password (registration or change) and returns the NFKC form to hash. Throws a ValidationError that
 * lists every problem found; the password itself never appears in it.
 */
export async function checkNewPassword(
  password: unknown,
  context: NewPasswordContext,
  policy: PasswordPolicyOptions,
  commonPasswords: CommonPasswordList,
): Promise<string> {
  const raw = checkPasswordBounds(password, policy);
  const normalized = normalizePassword(raw, PASSWORD_NORMALIZATION);
  const length = [...normalized].length;
  const issues: FieldIssue[] = [];
  const issue = (code: string, message: string) => issues.push({ path: ['password'], code, message });
  if (length < policy.minLength) issue('too_small', `must be at least ${policy.minLength} characters`);
  if (length > policy.maxLength) issue('too_big', `must be at most ${policy.maxLength} characters`);
  if (normalized.trim().length === 0 && length > 0) issue('blank', 'must not be only white space');
  const folded = normalized.toLowerCase();
  if (folded === context.username || (context.email !== null && folded === context.email)) {
    issue('matches_identifier', 'must not be the same as the username or email');
  }
  if (issues.length === 0 && (await commonPasswords.isCommon(folded))) {
    issue('common', 'is too common; choose a less guessable password');
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return normalized;
}
