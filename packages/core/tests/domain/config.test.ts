import {
  ADMIN_ROLE,
  ConfigurationError,
  DEFAULT_GUEST_RATE_LIMIT,
  DEFAULT_PASSWORD_POLICY,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  DEFAULT_ROLES,
  DEFAULT_THROTTLE_POLICY,
  resolveConfig,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';

const DAY = 86_400;

function configurationError(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('Function: resolveConfig', () => {
  it('fills the documented defaults', () => {
    expect(resolveConfig()).toEqual({
      roles: DEFAULT_ROLES,
      defaultRole: 'shopper',
      tokenDurationSeconds: 900,
      refreshTokenTtlSeconds: 30 * DAY,
      sessionMaxAgeSeconds: 90 * DAY,
      invitationTtlSeconds: 7 * DAY,
      passwordPolicy: DEFAULT_PASSWORD_POLICY,
      throttle: DEFAULT_THROTTLE_POLICY,
      registrationRateLimit: DEFAULT_REGISTRATION_RATE_LIMIT,
      guestRateLimit: DEFAULT_GUEST_RATE_LIMIT,
      guestLinkTtlSeconds: 30 * DAY,
      refreshReuseLeewaySeconds: 0,
      revealDisabledAccounts: false,
      passwordResetTtlSeconds: 30 * 60,
      passwordResetResponseFloorMs: 1_000,
      passwordResetRateLimit: {
        freeFailures: 3,
        baseDelaySeconds: 60,
        maxDelaySeconds: 15 * 60,
        maxConsecutiveFailures: 1_000_000,
        resetAfterIdleSeconds: DAY,
      },
      passwordResetToUnverifiedEmail: false,
      emailVerificationTtlSeconds: DAY,
      emailVerificationRateLimit: {
        freeFailures: 3,
        baseDelaySeconds: 60,
        maxDelaySeconds: 15 * 60,
        maxConsecutiveFailures: 1_000_000,
        resetAfterIdleSeconds: DAY,
      },
      requireVerifiedEmail: false,
      loginWithEmail: false,
    });
  });

  it('validates the per-address rate limits like the throttle, without the cap of 100', () => {
    expect(resolveConfig({ guestRateLimit: { freeFailures: 500 } }).guestRateLimit).toEqual({
      ...DEFAULT_GUEST_RATE_LIMIT,
      freeFailures: 500,
    });
    expect(
      resolveConfig({ registrationRateLimit: { maxConsecutiveFailures: 5000 } }).registrationRateLimit,
    ).toMatchObject({ maxConsecutiveFailures: 5000 });
    expect(() => resolveConfig({ registrationRateLimit: { maxDelaySeconds: 0 } })).toThrow(
      /registrationRateLimit.maxDelaySeconds/,
    );
    expect(() => resolveConfig({ guestRateLimit: { freeFailures: -1 } })).toThrow(/guestRateLimit.freeFailures/);
  });

  it('takes the first configured role as the default role, and refuses a default role that is not configured', () => {
    expect(resolveConfig({ roles: ['member', 'editor'] }).defaultRole).toBe('member');
    expect(resolveConfig({ roles: ['member', 'editor'], defaultRole: 'editor' }).defaultRole).toBe('editor');
    expect(configurationError(() => resolveConfig({ defaultRole: 'editor' })).message).toMatch(/defaultRole "editor"/);
  });

  it('has admin among the default roles, and never lets it be the default (self-service) role', () => {
    expect(DEFAULT_ROLES).toEqual(['shopper', 'seller', 'admin']);
    expect(ADMIN_ROLE).toBe('admin');
    for (const input of [
      { defaultRole: 'admin' },
      { roles: ['admin', 'member'] },
      { roles: ['admin'] },
      { roles: ['member', 'admin'], defaultRole: 'admin' },
    ]) {
      expect(configurationError(() => resolveConfig(input)).message).toMatch(/defaultRole "admin".*never self-service/);
    }
    expect(resolveConfig({ roles: ['member', 'admin'] })).toMatchObject({ defaultRole: 'member' });
  });

  it('passes password-policy and throttle settings through their own validation', () => {
    expect(resolveConfig({ passwordPolicy: { minLength: 10 } }).passwordPolicy).toEqual({
      ...DEFAULT_PASSWORD_POLICY,
      minLength: 10,
    });
    expect(resolveConfig({ throttle: { freeFailures: 3 } }).throttle).toEqual({
      ...DEFAULT_THROTTLE_POLICY,
      freeFailures: 3,
    });
    expect(() => resolveConfig({ passwordPolicy: { minLength: 7 } })).toThrow(/minLength/);
    expect(() => resolveConfig({ throttle: { maxConsecutiveFailures: 101 } })).toThrow(/maxConsecutiveFailures/);
  });

  it('bounds every duration, inclusive at both ends', () => {
    const cases: [string, number, number][] = [
      ['tokenDurationSeconds', 1, 900],
      ['guestLinkTtlSeconds', 60, 365 * DAY],
      ['refreshReuseLeewaySeconds', 0, 300],
      ['refreshTokenTtlSeconds', 60, 365 * DAY],
      ['sessionMaxAgeSeconds', 60, 365 * DAY],
      ['invitationTtlSeconds', 60, 90 * DAY],
    ];
    for (const [name, min, max] of cases) {
      // The session must outlive one refresh token: keep the other one of the pair out of the way.
      const partner =
        name === 'refreshTokenTtlSeconds'
          ? { sessionMaxAgeSeconds: 365 * DAY }
          : name === 'sessionMaxAgeSeconds'
            ? { refreshTokenTtlSeconds: 60 }
            : {};
      expect(resolveConfig({ ...partner, [name]: min })).toMatchObject({ [name]: min });
      expect(resolveConfig({ ...partner, [name]: max })).toMatchObject({ [name]: max });
      expect(configurationError(() => resolveConfig({ ...partner, [name]: min - 1 })).message).toContain(`${name}:`);
      expect(configurationError(() => resolveConfig({ ...partner, [name]: max + 1 })).message).toContain(name);
      expect(() => resolveConfig({ ...partner, [name]: min + 0.5 })).toThrow(ConfigurationError);
    }
  });

  it('refuses a session shorter than one refresh token, and allows them equal', () => {
    expect(() => resolveConfig({ refreshTokenTtlSeconds: 3600, sessionMaxAgeSeconds: 3599 })).toThrow(
      /sessionMaxAgeSeconds must be at least refreshTokenTtlSeconds/,
    );
    expect(resolveConfig({ refreshTokenTtlSeconds: 3600, sessionMaxAgeSeconds: 3600 }).sessionMaxAgeSeconds).toBe(3600);
    // The defaults are checked too: a 10-day session against the default 30-day refresh token.
    expect(() => resolveConfig({ sessionMaxAgeSeconds: 10 * DAY })).toThrow(ConfigurationError);
  });

  it('names every problem with its path in one error, and refuses unknown settings', () => {
    const error = configurationError(() =>
      resolveConfig({ tokenDurationSeconds: 0, roles: 'shopper' as unknown as string[], extra: true } as never),
    );
    expect(error.message).toMatch(/^Invalid devauth configuration: /);
    expect(error.message).toContain('tokenDurationSeconds:');
    expect(error.message).toContain('roles:');
    expect(error.message).toContain('(root):');
    expect(error.message.split('; ')).toHaveLength(3);
    expect(() => resolveConfig({ passwordPolicy: { minLength: 'twelve' as unknown as number } })).toThrow(
      /passwordPolicy\.minLength: /,
    );
  });
});

describe('Role set (resolveConfig roles)', () => {
  it('accepts lower-case ASCII names of 1 to 64 characters', () => {
    const longest = `a${'b'.repeat(63)}`;
    expect(resolveConfig({ roles: ['a', 'member_2', 'read-only', longest] }).roles).toEqual([
      'a',
      'member_2',
      'read-only',
      longest,
    ]);
  });

  it('refuses an empty set, duplicates, the guest role and names IAM would not carry unchanged', () => {
    expect(configurationError(() => resolveConfig({ roles: [] })).message).toMatch(/At least one role/);
    expect(configurationError(() => resolveConfig({ roles: ['member', 'member'] })).message).toMatch(/unique/);
    expect(configurationError(() => resolveConfig({ roles: ['member', 'guest'] })).message).toMatch(/"guest"/);
    for (const bad of ['Admin', '1st', '_x', 'has space', 'a'.repeat(65), '', 'rôle', 'x\nadmin']) {
      expect(configurationError(() => resolveConfig({ roles: ['member', bad] })).message).toContain('must match');
    }
  });
});
