import {
  AccountDisabledError,
  AccountTokenInvalidError,
  AdminRequiredError,
  AdminSelfChangeError,
  ConfigurationError,
  type DevauthError,
  type DevauthErrorCode,
  EmailNotVerifiedError,
  EmailTakenError,
  IdentityTakenError,
  InvalidCredentialsError,
  InvitationNotFoundError,
  RefreshTokenInvalidError,
  RefreshTokenReusedError,
  RoleNotAllowedError,
  SessionNotFoundError,
  ThrottledError,
  UpstreamUnavailableError,
  UserNotFoundError,
  UsernameTakenError,
  ValidationError,
  VersionConflictError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { type ErrorBody, mapError } from '../src/http-errors.js';
import { ERROR_CODES } from '../src/openapi.js';

/**
 * Every code of the core, with an error of it and what the edge answers. A Record keyed by DevauthErrorCode: a code
 * added to the core fails to compile here until it is given its answer (as the switch in mapError does).
 */
const ANSWERS: Record<DevauthErrorCode, { error: DevauthError; status: number; code: string }> = {
  VALIDATION_FAILED: { error: new ValidationError([]), status: 400, code: 'VALIDATION_FAILED' },
  USERNAME_TAKEN: { error: new UsernameTakenError(), status: 409, code: 'USERNAME_TAKEN' },
  EMAIL_TAKEN: { error: new EmailTakenError(), status: 409, code: 'EMAIL_TAKEN' },
  INVALID_CREDENTIALS: { error: new InvalidCredentialsError(), status: 401, code: 'INVALID_CREDENTIALS' },
  ACCOUNT_DISABLED: { error: new AccountDisabledError(), status: 403, code: 'ACCOUNT_DISABLED' },
  EMAIL_NOT_VERIFIED: { error: new EmailNotVerifiedError(), status: 403, code: 'EMAIL_NOT_VERIFIED' },
  ROLE_NOT_ALLOWED: {
    error: new RoleNotAllowedError('seller', 'invitation_required'),
    status: 403,
    code: 'ROLE_NOT_ALLOWED',
  },
  THROTTLED: { error: new ThrottledError(3), status: 429, code: 'THROTTLED' },
  REFRESH_TOKEN_INVALID: { error: new RefreshTokenInvalidError(), status: 401, code: 'REFRESH_TOKEN_INVALID' },
  // A reused token gets the invalid token's body: the answer does not tell a thief the token was rotated.
  REFRESH_TOKEN_REUSED: { error: new RefreshTokenReusedError(), status: 401, code: 'REFRESH_TOKEN_INVALID' },
  VERSION_CONFLICT: { error: new VersionConflictError('user'), status: 409, code: 'VERSION_CONFLICT' },
  USER_NOT_FOUND: { error: new UserNotFoundError(), status: 404, code: 'USER_NOT_FOUND' },
  IDENTITY_TAKEN: { error: new IdentityTakenError(), status: 409, code: 'IDENTITY_TAKEN' },
  ACCOUNT_TOKEN_INVALID: { error: new AccountTokenInvalidError(), status: 400, code: 'ACCOUNT_TOKEN_INVALID' },
  SESSION_NOT_FOUND: { error: new SessionNotFoundError(), status: 404, code: 'SESSION_NOT_FOUND' },
  ADMIN_REQUIRED: { error: new AdminRequiredError(), status: 403, code: 'ADMIN_REQUIRED' },
  ADMIN_SELF_CHANGE: { error: new AdminSelfChangeError('set_role'), status: 409, code: 'ADMIN_SELF_CHANGE' },
  INVITATION_NOT_FOUND: { error: new InvitationNotFoundError(), status: 404, code: 'INVITATION_NOT_FOUND' },
  UPSTREAM_UNAVAILABLE: {
    error: new UpstreamUnavailableError('store', 5),
    status: 503,
    code: 'UPSTREAM_UNAVAILABLE',
  },
  // The operator's problem, not the caller's: a 500 with a correlation id only.
  CONFIGURATION: { error: new ConfigurationError('x'), status: 500, code: 'INTERNAL' },
};

describe('mapError', () => {
  it.each(Object.entries(ANSWERS))('maps %s to its status and code, named in the OpenAPI document', (name, answer) => {
    expect(answer.error.code).toBe(name);
    const mapped = mapError(answer.error, 'corr-1');
    expect(mapped.response.statusCode).toBe(answer.status);
    const body = mapped.response.body as ErrorBody;
    expect(body.error.code).toBe(answer.code);
    expect(ERROR_CODES).toContain(body.error.code);
    expect(mapped.errorCode).toBe(name);
    expect(mapped.unexpected).toBe(answer.status === 500);
  });

  it('answers the admin errors with their own clear messages', () => {
    const message = (error: DevauthError) => (mapError(error, 'c').response.body as ErrorBody).error.message;
    expect(message(new AdminRequiredError())).toBe('This operation is for administrators.');
    expect(message(new AdminSelfChangeError('delete_user'))).toMatch(/cannot delete their own account/);
    expect(message(new AdminSelfChangeError('set_role'))).toMatch(/cannot change the role of their own account/);
    expect(message(new InvitationNotFoundError())).toBe('No such invitation.');
  });

  it('answers anything it does not know as a 500 with a correlation id and nothing else', () => {
    const mapped = mapError(new Error('connection string postgres://u:p@h/db'), 'corr-2');
    expect(mapped.response).toEqual({
      statusCode: 500,
      headers: { 'x-correlation-id': 'corr-2' },
      body: { error: { code: 'INTERNAL', message: 'An unexpected error occurred.', correlationId: 'corr-2' } },
    });
  });
});
