import {
  AccountDisabledError,
  AccountTokenInvalidError,
  AdminRequiredError,
  AdminSelfChangeError,
  ConfigurationError,
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
      '/admin/users',
      '/admin/users/{userId}',
      '/admin/users/{userId}/role',
      '/admin/users/{userId}/status',
      '/admin/users/{userId}/sessions',
      '/admin/invitations',
      '/admin/invitations/{invitationId}',
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
      new AdminRequiredError(),
      new AdminSelfChangeError('delete_user'),
      new InvitationNotFoundError(),
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

  it('describes the admin routes: signed, admin-only, with parameters, bodies, answers and error codes', () => {
    type Operation = {
      security?: unknown;
      parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
      requestBody?: { content: Record<string, { schema: { $ref: string } }> };
      responses: Record<string, { description: string; content?: Record<string, { schema: { $ref: string } }> }>;
    };
    const doc = generateOpenApi() as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    const admin = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([, item]) => Object.values(item));
    expect(admin).toHaveLength(9);
    for (const operation of admin) {
      expect(operation.security).toEqual([{ sigv4: [] }]);
      expect(operation.responses['401']).toBeDefined();
      expect(operation.responses['403']!.description).toMatch(/FORBIDDEN.*ADMIN_REQUIRED/);
    }
    const list = doc.paths['/admin/users']!.get!;
    expect(list.parameters!.map((p) => [p.name, p.in, p.required])).toEqual([
      ['usernamePrefix', 'query', false],
      ['email', 'query', false],
      ['role', 'query', false],
      ['status', 'query', false],
      ['cursor', 'query', false],
      ['limit', 'query', false],
    ]);
    expect(list.parameters!.find((p) => p.name === 'limit')!.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 100,
    });
    const setRole = doc.paths['/admin/users/{userId}/role']!.put!;
    expect(setRole.parameters).toEqual([expect.objectContaining({ name: 'userId', in: 'path', required: true })]);
    expect(setRole.requestBody!.content['application/json']!.schema.$ref).toBe(
      '#/components/schemas/AdminSetRoleRequest',
    );
    expect(setRole.responses['409']!.description).toContain('ADMIN_SELF_CHANGE');
    expect(setRole.responses['403']!.description).toContain('ROLE_NOT_ALLOWED');
    expect(doc.paths['/admin/users/{userId}']!.delete!.responses).toHaveProperty('204');
    expect(doc.paths['/admin/users/{userId}']!.get!.responses['404']!.description).toContain('USER_NOT_FOUND');
    expect(doc.paths['/admin/invitations/{invitationId}']!.delete!.responses['404']!.description).toContain(
      'INVITATION_NOT_FOUND',
    );
    expect(Object.keys(doc.paths['/admin/invitations']!).sort()).toEqual(['get', 'post']);

    const schemas = doc.components.schemas;
    expect(schemas.AdminSetRoleRequest).toMatchObject({ required: ['role'], additionalProperties: false });
    expect(schemas.AdminSetStatusRequest).toMatchObject({
      additionalProperties: false,
      properties: { status: { enum: ['active', 'disabled'] } },
    });
    expect(schemas.AdminCreateInvitationRequest).toMatchObject({ required: ['role'], additionalProperties: false });
    // The code is in the creation answer; a listing's items have no such field.
    const created = schemas.AdminInvitationCreatedResponse!.properties as Record<string, { required: string[] }>;
    expect(created.invitation!.required.sort()).toEqual(['code', 'expiresAt', 'id', 'role']);
    const listed = schemas.AdminInvitationListResponse!.properties as Record<
      string,
      { items?: { properties: Record<string, unknown> } }
    >;
    expect(Object.keys(listed.invitations!.items!.properties).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'role', 'status', 'usedAt'].sort(),
    );
    expect(schemas.AdminUserListResponse).toMatchObject({ required: ['users', 'nextCursor'] });
    for (const code of ['ADMIN_REQUIRED', 'ADMIN_SELF_CHANGE', 'INVITATION_NOT_FOUND'])
      expect(ERROR_CODES).toContain(code);
  });

  it('mounts the admin routes where the options say', () => {
    const doc = generateOpenApi({ paths: { adminUsers: '/ops/people', adminInvitations: '/ops/invites' } }) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/ops/'))).toEqual([
      '/ops/people',
      '/ops/people/{userId}',
      '/ops/people/{userId}/role',
      '/ops/people/{userId}/status',
      '/ops/people/{userId}/sessions',
      '/ops/invites',
      '/ops/invites/{invitationId}',
    ]);
  });
});
