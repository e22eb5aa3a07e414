import {
  ConfigurationError,
  checkNewPassword,
  checkPasswordBounds,
  DEFAULT_PASSWORD_POLICY,
  resolvePasswordPolicy,
  staticCommonPasswords,
  ValidationError,
  zxcvbnCommonPasswords,
} from '@devauth/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const common = staticCommonPasswords(['letmein12345']);
const context = { username: 'alice', email: 'alice@example.com' };
const check = (password: unknown) => checkNewPassword(password, context, DEFAULT_PASSWORD_POLICY, common);
const issueCodes = async (password: unknown) => {
  try {
    await check(password);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((issue) => issue.code);
  }
};

describe('Function: checkNewPassword', () => {
  it('accepts 12+ characters with no composition rules, and returns the NFKC form', async () => {
    expect(await check('aaaaaaaaaaab')).toBe('aaaaaaaaaaab');
    expect(await check('ｆｕｌｌｗｉｄｔｈｐａｓｓ')).toBe('fullwidthpass');
    expect(await check('пароль-без-правил')).toBe('пароль-без-правил');
  });

  it('counts code points, not UTF-16 units: 12 emoji are 12 characters', async () => {
    expect(await issueCodes('😀'.repeat(11))).toEqual(['too_small']);
    expect(await issueCodes('😀'.repeat(12))).toEqual([]);
  });

  it('refuses too short, too long, blank, and the username or email', async () => {
    expect(await issueCodes('short')).toEqual(['too_small']);
    expect(await issueCodes('a'.repeat(257))).toEqual(['too_big']);
    expect(await issueCodes(' '.repeat(12))).toEqual(['blank']);
    expect(await issueCodes('Alice@Example.com')).toEqual(['matches_identifier']);
    expect(await issueCodes('alice')).toEqual(['too_small', 'matches_identifier']);
  });

  it('refuses common passwords, case-insensitively', async () => {
    expect(await issueCodes('LetMeIn12345')).toEqual(['common']);
  });

  it('bounds bytes before anything else: 1 MB, or 257 4-byte characters, never get further', async () => {
    expect(await issueCodes('x'.repeat(1_000_000))).toEqual(['too_big']);
    expect(await issueCodes('😀'.repeat(257))).toEqual(['too_big']);
    expect(() => checkPasswordBounds('😀'.repeat(256), DEFAULT_PASSWORD_POLICY)).not.toThrow();
  });

  it('refuses wrong types and ill-formed Unicode', async () => {
    for (const value of [undefined, null, 12345678901234, {}, [], true]) {
      expect(await issueCodes(value)).toEqual(['invalid_type']);
    }
    expect(await issueCodes('abcdefghijkl\ud800')).toEqual(['malformed_unicode']);
  });

  it('never puts the password into the error', async () => {
    // Passwords are wrapped in snowmen, which no message contains, so a short password that happens to be a word of
    // the message ("name", "must") cannot make the search find itself.
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 0, maxLength: 40 }).map((inner) => `\u2603${inner}\u2603`),
        async (password) => {
          try {
            await check(password);
          } catch (error) {
            expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(password);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Function: resolvePasswordPolicy', () => {
  it('refuses a minimum below 8 and a maximum below 64', () => {
    expect(() => resolvePasswordPolicy({ minLength: 7 })).toThrow(ConfigurationError);
    expect(() => resolvePasswordPolicy({ maxLength: 63 })).toThrow(ConfigurationError);
    expect(resolvePasswordPolicy({ minLength: 8 }).minLength).toBe(8);
  });
});

describe('Function: zxcvbnCommonPasswords', () => {
  it('knows the usual suspects from the maintained list, loaded on first use', async () => {
    const list = zxcvbnCommonPasswords();
    expect(await list.isCommon('password')).toBe(true);
    expect(await list.isCommon('qwertyuiop')).toBe(true);
    expect(await list.isCommon('correct horse battery staple 9f3k')).toBe(false);
  });
});
