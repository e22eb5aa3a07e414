import {
  AccountDisabledError,
  AdminRequiredError,
  AdminSelfChangeError,
  ConfigurationError,
  type DevauthError,
  EmailTakenError,
  InvalidCredentialsError,
  InvitationNotFoundError,
  isDevauthError,
  RefreshTokenInvalidError,
  RefreshTokenReusedError,
  RoleNotAllowedError,
  ThrottledError,
  UpstreamUnavailableError,
  UserNotFoundError,
  UsernameTakenError,
  ValidationError,
  VersionConflictError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';

describe('Domain errors', () => {
  it('carry the stable codes the edges map to HTTP, and their own class name', () => {
    const cases: [DevauthError, string, string][] = [
      [ValidationError.single('username', 'too_short', 'is too short'), 'VALIDATION_FAILED', 'ValidationError'],
      [new UsernameTakenError(), 'USERNAME_TAKEN', 'UsernameTakenError'],
      [new EmailTakenError(), 'EMAIL_TAKEN', 'EmailTakenError'],
      [new InvalidCredentialsError(), 'INVALID_CREDENTIALS', 'InvalidCredentialsError'],
      [new AccountDisabledError(), 'ACCOUNT_DISABLED', 'AccountDisabledError'],
      [new RoleNotAllowedError('seller', 'invitation_required'), 'ROLE_NOT_ALLOWED', 'RoleNotAllowedError'],
      [new ThrottledError(3), 'THROTTLED', 'ThrottledError'],
      [new RefreshTokenInvalidError(), 'REFRESH_TOKEN_INVALID', 'RefreshTokenInvalidError'],
      [new RefreshTokenReusedError(), 'REFRESH_TOKEN_REUSED', 'RefreshTokenReusedError'],
      [new VersionConflictError('user'), 'VERSION_CONFLICT', 'VersionConflictError'],
      [new UserNotFoundError(), 'USER_NOT_FOUND', 'UserNotFoundError'],
      [new UpstreamUnavailableError('dynamodb', 2), 'UPSTREAM_UNAVAILABLE', 'UpstreamUnavailableError'],
      [new ConfigurationError('bad pool id'), 'CONFIGURATION', 'ConfigurationError'],
      [new AdminRequiredError(), 'ADMIN_REQUIRED', 'AdminRequiredError'],
      [new AdminSelfChangeError('delete_user'), 'ADMIN_SELF_CHANGE', 'AdminSelfChangeError'],
      [new InvitationNotFoundError(), 'INVITATION_NOT_FOUND', 'InvitationNotFoundError'],
    ];
    for (const [error, code, name] of cases) {
      expect({ code: error.code, name: error.name }).toEqual({ code, name });
      expect(error).toBeInstanceOf(Error);
      expect(error.message.length).toBeGreaterThan(0);
      expect(isDevauthError(error)).toBe(true);
    }
    expect(new Set(cases.map(([error]) => error.code)).size).toBe(cases.length);
  });

  it('tells devauth errors from others', () => {
    expect(isDevauthError(new Error('x'))).toBe(false);
    expect(isDevauthError({ code: 'THROTTLED', message: 'forged' })).toBe(false);
    expect(isDevauthError(undefined)).toBe(false);
  });

  it('keep the facts a caller needs: retry-after, upstream, role and reason, entity, cause', () => {
    const cause = new Error('socket hang up');
    const upstream = new UpstreamUnavailableError('cognito-identity', 5, { cause });
    expect(upstream).toMatchObject({ upstream: 'cognito-identity', retryAfterSeconds: 5, cause });
    expect(upstream.message).toMatch(/^cognito-identity .*retry after 5 s/);
    expect(new ThrottledError(42).retryAfterSeconds).toBe(42);
    const refused = new RoleNotAllowedError('seller', 'invitation_required');
    expect(refused).toMatchObject({ role: 'seller', reason: 'invitation_required' });
    expect(refused.message).toMatch(/"seller".*\(invitation required\)/);
    expect(new VersionConflictError('user').entity).toBe('user');
    expect(new AdminSelfChangeError('set_role')).toMatchObject({ action: 'set_role' });
    expect(new AdminSelfChangeError('set_status').message).toMatch(/cannot disable their own account/);
  });

  it('list every field issue in the validation message, (root) for the object itself', () => {
    const error = new ValidationError([
      { path: ['password'], code: 'too_small', message: 'must be at least 12 characters' },
      { path: [], code: 'unrecognized_keys', message: 'Unrecognized key: "isAdministrator"' },
      { path: ['roles', 0], code: 'invalid_type', message: 'expected string' },
    ]);
    expect(error.message).toBe(
      'Invalid input: password: must be at least 12 characters; (root): Unrecognized key: "isAdministrator"; ' +
        'roles.0: expected string',
    );
    expect(ValidationError.single('email', 'invalid_email', 'must be valid').issues).toEqual([
      { path: ['email'], code: 'invalid_email', message: 'must be valid' },
    ]);
  });
});
