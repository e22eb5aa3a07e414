import {
  ConfigurationError,
  canonicalizeEmail,
  checkNewPassword,
  checkPasswordBounds,
  DEFAULT_PASSWORD_POLICY,
  digestSecretToken,
  InvitationRoleAssignmentPolicy,
  isNetworkFailure,
  isSecretTokenShape,
  newSecretToken,
  parseInput,
  registerInputSchema,
  resolvePasswordPolicy,
  staticCommonPasswords,
  ValidationError,
} from '@devauth/core';
import { InMemoryInvitationStore } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';

function validationIssues(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('Function: resolvePasswordPolicy (limits)', () => {
  it('accepts each limit at its bound and refuses one beyond', () => {
    expect(resolvePasswordPolicy({ minLength: 8, maxLength: 64, maxBytes: 64 })).toEqual({
      minLength: 8,
      maxLength: 64,
      maxBytes: 64,
    });
    expect(resolvePasswordPolicy({ maxBytes: 4096 }).maxBytes).toBe(4096);
    expect(resolvePasswordPolicy({ minLength: 100, maxLength: 100 }).maxLength).toBe(100);
    expect(() => resolvePasswordPolicy({ minLength: 101, maxLength: 100 })).toThrow(/maxLength/);
    expect(() => resolvePasswordPolicy({ maxBytes: 4097 })).toThrow(/maxBytes/);
    expect(() => resolvePasswordPolicy({ maxBytes: 255 })).toThrow(/maxBytes/);
    for (const options of [{ minLength: 12.5 }, { maxLength: 64.5 }, { maxBytes: 1024.5 }]) {
      expect(() => resolvePasswordPolicy(options)).toThrow(ConfigurationError);
    }
    expect(resolvePasswordPolicy()).toEqual(DEFAULT_PASSWORD_POLICY);
  });
});

describe('Function: checkPasswordBounds', () => {
  it('measures UTF-8 bytes: maxBytes exactly passes, one byte more does not', () => {
    const policy = resolvePasswordPolicy({ maxLength: 64, maxBytes: 100 });
    expect(checkPasswordBounds('x'.repeat(100), policy)).toHaveLength(100);
    // 26 four-byte characters: 104 bytes, though only 52 UTF-16 units and 26 code points.
    expect(validationIssues(() => checkPasswordBounds('😀'.repeat(26), policy))).toEqual([
      { path: ['password'], code: 'too_big', message: 'must be at most 100 bytes' },
    ]);
    expect(validationIssues(() => checkPasswordBounds('x'.repeat(1025), DEFAULT_PASSWORD_POLICY))).toMatchObject([
      { code: 'too_big' },
    ]);
    expect(checkPasswordBounds('x'.repeat(1024), DEFAULT_PASSWORD_POLICY)).toHaveLength(1024);
  });

  it('names the field it checks (default `password`)', () => {
    expect(validationIssues(() => checkPasswordBounds(42, DEFAULT_PASSWORD_POLICY))).toEqual([
      { path: ['password'], code: 'invalid_type', message: 'must be a string' },
    ]);
    expect(validationIssues(() => checkPasswordBounds('ab\ud800', DEFAULT_PASSWORD_POLICY, 'newPassword'))).toEqual([
      { path: ['newPassword'], code: 'malformed_unicode', message: 'is not well-formed Unicode' },
    ]);
  });
});

describe('Function: checkNewPassword (boundaries)', () => {
  const context = { username: 'alice', email: null };
  const common = staticCommonPasswords(['letmein', 'letmein12345']);
  const issues = async (password: string) => {
    try {
      await checkNewPassword(password, context, DEFAULT_PASSWORD_POLICY, common);
      return [];
    } catch (error) {
      return (error as ValidationError).issues;
    }
  };

  it('accepts exactly maxLength characters, and reports every issue on the password field', async () => {
    expect(await issues('ab'.repeat(128))).toEqual([]);
    expect(await issues(`${'ab'.repeat(128)}c`)).toEqual([
      { path: ['password'], code: 'too_big', message: 'must be at most 256 characters' },
    ]);
    expect(await issues('')).toEqual([
      { path: ['password'], code: 'too_small', message: 'must be at least 12 characters' },
    ]);
  });

  it('consults the common-password list only for an otherwise acceptable password', async () => {
    expect((await issues('letmein')).map((issue) => issue.code)).toEqual(['too_small']);
    expect(await issues('LETMEIN12345')).toEqual([
      { path: ['password'], code: 'common', message: expect.stringContaining('too common') },
    ]);
  });

  it('ignores a null email instead of matching it', async () => {
    expect(await issues('null-email-password')).toEqual([]);
  });
});

describe('Function: staticCommonPasswords', () => {
  it('matches entries after NFKC and lower-casing, and nothing else', async () => {
    const list = staticCommonPasswords(['Summer2024!', 'ｐａｓｓｗｏｒｄ１２３']);
    expect(await list.isCommon('summer2024!')).toBe(true);
    expect(await list.isCommon('password123')).toBe(true);
    expect(await list.isCommon('summer2025!')).toBe(false);
    expect(await staticCommonPasswords([]).isCommon('')).toBe(false);
  });
});

describe('Secret tokens', () => {
  it('are <prefix>_ and 43 base64url characters, and only that shape with that prefix is recognized', () => {
    const token = newSecretToken('rt');
    expect(token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    expect(newSecretToken('rt')).not.toBe(token);
    expect(isSecretTokenShape(token, 'rt')).toBe(true);
    expect(isSecretTokenShape(token, 'inv')).toBe(false);
    expect(isSecretTokenShape(`inv_${token.slice(3)}`, 'rt')).toBe(false);
    for (const bad of [
      `rt_${'A'.repeat(42)}`,
      `rt_${'A'.repeat(44)}`,
      `rt_${'A'.repeat(42)}=`,
      `rt-${'A'.repeat(43)}`,
    ]) {
      expect(isSecretTokenShape(bad, 'rt')).toBe(false);
    }
    expect(isSecretTokenShape(`rt_${'A'.repeat(43)}`, 'rt')).toBe(true);
    expect(isSecretTokenShape(undefined, 'rt')).toBe(false);
    expect(isSecretTokenShape(42, 'rt')).toBe(false);
  });

  it('are stored as base64url SHA-256 digests', () => {
    expect(digestSecretToken('rt_x')).toBe('4yhSe6c7Xy0H1ZNqFIrRkEkM00OFf3wYtj8GW9NbU80');
  });
});

describe('Function: isNetworkFailure (edges)', () => {
  const refused = () => Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
  const wrap = (inner: unknown, levels: number): unknown => {
    let error = inner;
    for (let i = 0; i < levels; i++) error = new Error(`level ${i}`, { cause: error });
    return error;
  };

  it('says no to undefined and other non-objects', () => {
    expect(isNetworkFailure(undefined)).toBe(false);
    expect(isNetworkFailure(42)).toBe(false);
  });

  it('finds a network error anywhere in an AggregateError, not only when all are', () => {
    expect(isNetworkFailure(new AggregateError([new Error('v6: bad address'), refused()], 'connect'))).toBe(true);
    expect(isNetworkFailure(new AggregateError([new Error('a'), new Error('b')], 'connect'))).toBe(false);
  });

  it('looks five causes deep and no deeper, so cycles through aggregates terminate too', () => {
    expect(isNetworkFailure(wrap(refused(), 5))).toBe(true);
    expect(isNetworkFailure(wrap(refused(), 6))).toBe(false);
    const cyclic = new AggregateError([], 'cyclic');
    (cyclic as { errors: unknown[] }).errors = [cyclic];
    expect(isNetworkFailure(cyclic)).toBe(false);
  });
});

describe('Function: canonicalizeEmail (edges)', () => {
  it('refuses ill-formed UTF-16', () => {
    expect(canonicalizeEmail('al\ud800ice@example.com')).toBeNull();
  });
});

describe('Function: parseInput', () => {
  it('reports each issue with its path, code and message', () => {
    expect(
      validationIssues(() => parseInput(registerInputSchema, { username: 'alice', password: 1, email: 2 })),
    ).toEqual([
      { path: ['password'], code: 'invalid_type', message: expect.any(String) },
      { path: ['email'], code: 'invalid_type', message: expect.any(String) },
    ]);
    expect(parseInput(registerInputSchema, { username: 'alice', password: 'p' })).toEqual({
      username: 'alice',
      password: 'p',
    });
  });
});

describe('Class: InvitationRoleAssignmentPolicy', () => {
  const now = new Date('2026-03-01T10:00:00.000Z');
  const policy = (invitations = new InMemoryInvitationStore()) =>
    new InvitationRoleAssignmentPolicy({ invitations, roles: ['shopper', 'seller'], selfServiceRoles: ['shopper'] });

  it('says how each grant was made', async () => {
    const invitations = new InMemoryInvitationStore();
    const code = newSecretToken('inv');
    await invitations.create({
      codeHash: digestSecretToken(code),
      role: 'seller',
      createdAt: now,
      expiresAt: new Date(now.getTime() + 3600_000),
      usedAt: null,
    });
    expect(await policy().authorize({ requestedRole: 'shopper', now })).toMatchObject({ role: 'shopper', via: 'self' });
    expect(await policy().authorize({ requestedRole: 'seller', actor: { isAdministrator: true }, now })).toMatchObject({
      role: 'seller',
      via: 'administrator',
    });
    const grant = await policy(invitations).authorize({ requestedRole: 'seller', invitationCode: code, now });
    expect(grant).toMatchObject({ role: 'seller', via: 'invitation' });
    // Rolling back gives the code back once.
    await grant.rollback();
    await expect(
      policy(invitations).authorize({ requestedRole: 'seller', invitationCode: code, now }),
    ).resolves.toMatchObject({ via: 'invitation' });
  });

  it('does not ask the store about a code that is not even shaped like one', async () => {
    const invitations = new InMemoryInvitationStore();
    let consumed = 0;
    const counting = Object.assign(Object.create(invitations) as InMemoryInvitationStore, {
      consume: async (...args: Parameters<InMemoryInvitationStore['consume']>) => {
        consumed++;
        return invitations.consume(...args);
      },
    });
    for (const invitationCode of ['x', `rt_${'A'.repeat(43)}`, `inv_${'A'.repeat(43)}!`]) {
      await expect(policy(counting).authorize({ requestedRole: 'seller', invitationCode, now })).rejects.toMatchObject({
        reason: 'invitation_invalid',
      });
    }
    expect(consumed).toBe(0);
    await expect(
      policy(counting).authorize({ requestedRole: 'seller', invitationCode: newSecretToken('inv'), now }),
    ).rejects.toMatchObject({ reason: 'invitation_invalid' });
    expect(consumed).toBe(1);
  });
});
