import {
  AccountDisabledError,
  AccountTokenInvalidError,
  ConfigurationError,
  EmailNotVerifiedError,
  EmailTakenError,
  IdentityTakenError,
  InvalidCredentialsError,
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
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { type ErrorBody, HttpError, mapError } from '../src/http-errors.js';
import { ERROR_CODES, generateOpenApi } from '../src/openapi.js';

describe('generateOpenApi', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = generateOpenApi({ servers: ['https://api.example.com/prod'] });
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('derives request schemas from the core zod schemas (strict objects, bounds)', () => {
    const doc = generateOpenApi() as {
      components: {
        schemas: Record<
          string,
          { properties: Record<string, { maxLength?: number }>; required: string[]; additionalProperties: unknown }
        >;
      };
      paths: Record<string, unknown>;
    };
    const login = doc.components.schemas.LoginRequest!;
    expect(login.required.sort()).toEqual(['password', 'username']);
    expect(login.additionalProperties).toBe(false);
    expect(login.properties.password?.maxLength).toBe(4096);
    expect(Object.keys(doc.paths)).toEqual([
      '/auth/register',
      '/auth/login',
      '/auth/guest',
      '/auth/refresh',
      '/auth/logout',
      '/auth/password/forgot',
      '/auth/password/reset',
      '/auth/email/verify',
      '/me/password',
      '/me/email',
      '/me/email/verification',
      '/me/sessions',
      '/me/sessions/{familyId}',
      '/me/sessions/revoke-others',
      '/me',
    ]);
    expect(Object.keys(doc.paths['/me'] as object).sort()).toEqual(['delete', 'get']);
  });

  it('describes the email routes: verify open, change and resend signed, with their bodies and answers', () => {
    const doc = generateOpenApi() as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    const verify = doc.paths['/auth/email/verify']!.post!;
    expect(verify.security).toBeUndefined();
    expect(Object.keys(verify.responses as object).sort()).toEqual(['200', '400', '409', '413', '500', '503']);
    const change = doc.paths['/me/email']!.post!;
    expect(change.security).toEqual([{ sigv4: [] }]);
    expect(Object.keys(change.responses as object)).toEqual(
      expect.arrayContaining(['202', '401', '403', '409', '429', '503']),
    );
    const resend = doc.paths['/me/email/verification']!.post!;
    expect(resend.security).toEqual([{ sigv4: [] }]);
    expect(resend.requestBody).toBeUndefined();
    expect(Object.keys(resend.responses as object)).toEqual(expect.arrayContaining(['200', '202', '429']));
    const schemas = doc.components.schemas;
    expect(schemas.VerifyEmailRequest).toMatchObject({
      required: ['token'],
      additionalProperties: false,
      properties: { token: { maxLength: 128 } },
    });
    expect(schemas.ChangeEmailRequest).toMatchObject({
      additionalProperties: false,
      properties: { password: { maxLength: 4096 }, newEmail: { maxLength: 512 } },
    });
    expect((schemas.ChangeEmailRequest!.required as string[]).sort()).toEqual(['newEmail', 'password']);
    expect(schemas.EmailVerificationSent).toMatchObject({ required: ['sentTo'] });
    expect(schemas.AlreadyVerified).toMatchObject({ properties: { alreadyVerified: { const: true } } });
    // The user carries emailVerified wherever it is answered.
    for (const name of ['RegisterResponse', 'LoginResponse', 'VerifyEmailResponse']) {
      const user = (schemas[name]!.properties as Record<string, { properties: object; required: string[] }>).user!;
      expect(user.properties).toHaveProperty('emailVerified', expect.objectContaining({ type: 'boolean' }));
      expect(user.required).toContain('emailVerified');
    }
  });

  it('names every error code the handlers answer with, EMAIL_NOT_VERIFIED among them', () => {
    const doc = generateOpenApi() as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };
    expect(ERROR_CODES).toContain('EMAIL_NOT_VERIFIED');
    expect(doc.paths['/auth/login']!.post!.responses['403']!.description).toContain('EMAIL_NOT_VERIFIED');
    // Every code an error can reach a client with (REFRESH_TOKEN_REUSED answers REFRESH_TOKEN_INVALID, a
    // configuration error INTERNAL).
    for (const error of [
      new ValidationError([]),
      new UsernameTakenError(),
      new EmailTakenError(),
      new InvalidCredentialsError(),
      new AccountDisabledError(),
      new EmailNotVerifiedError(),
      new RoleNotAllowedError('seller', 'invitation_required'),
      new ThrottledError(3),
      new RefreshTokenInvalidError(),
      new RefreshTokenReusedError(),
      new VersionConflictError('user'),
      new UserNotFoundError(),
      new UpstreamUnavailableError('store', 5),
      new IdentityTakenError(),
      new AccountTokenInvalidError(),
      new SessionNotFoundError(),
      new ConfigurationError('x'),
      HttpError.payloadTooLarge(10),
      HttpError.badRequest('INVALID_JSON', 'x'),
      new HttpError(401, 'UNAUTHENTICATED', 'x'),
      new HttpError(403, 'FORBIDDEN', 'x'),
    ]) {
      const { response } = mapError(error, 'c');
      expect(ERROR_CODES).toContain((response.body as ErrorBody).error.code);
    }
  });
});
