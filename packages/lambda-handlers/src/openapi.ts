import {
  adminCreateInvitationInputSchema,
  adminListInvitationsInputSchema,
  adminListUsersInputSchema,
  changeEmailInputSchema,
  changePasswordInputSchema,
  deleteAccountInputSchema,
  emailVerificationInputSchema,
  loginInputSchema,
  logoutInputSchema,
  passwordResetCompletionSchema,
  passwordResetRequestSchema,
  refreshInputSchema,
  registerInputSchema,
} from '@devauth/core';
import * as z from 'zod';
import { adminSetRoleBodySchema, adminSetStatusBodySchema } from './handlers/admin.js';
import { HANDLER_ROUTES, type RouteName } from './routes.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema of a zod schema, as OpenAPI 3.1 (JSON Schema 2020-12) embeds it: without the `$schema` keyword. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io }) as JsonSchema;
  return rest;
}

// Response bodies, described with zod too so the document and the handlers share one vocabulary.
const isoDate = z.iso.datetime();
const publicUser = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  emailVerified: z.boolean().describe('Whether `email` was proved by following a verification link.'),
  role: z.string(),
  identityId: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  createdAt: isoDate,
  updatedAt: isoDate,
});
const session = z.object({
  identityId: z.string(),
  openIdToken: z.string(),
  openIdTokenExpiresAt: isoDate,
  role: z.string(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: isoDate,
});
const login = session.extend({ user: publicUser });
const guest = z.object({
  identityId: z.string(),
  role: z.literal('guest'),
  guestLinkSecret: z.string().describe('Keep it with the guest session; login upgrades this identity only with it.'),
  guestLinkExpiresAt: z.iso.datetime(),
});
const me = z.object({
  kind: z.enum(['guest', 'user']),
  role: z.string(),
  identityId: z.string().nullable(),
  user: publicUser.optional(),
});
const nextCursor = z
  .string()
  .nullable()
  .describe('Pass it back as `cursor` (with the same filters) for the next page; null at the end.');
/** The codes devauth's own error bodies carry (a client should still accept others). */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'INVALID_CREDENTIALS',
  'ACCOUNT_DISABLED',
  'EMAIL_NOT_VERIFIED',
  'ROLE_NOT_ALLOWED',
  'USERNAME_TAKEN',
  'EMAIL_TAKEN',
  'VERSION_CONFLICT',
  'IDENTITY_TAKEN',
  'USER_NOT_FOUND',
  'SESSION_NOT_FOUND',
  'INVITATION_NOT_FOUND',
  'ADMIN_REQUIRED',
  'ADMIN_SELF_CHANGE',
  'ACCOUNT_TOKEN_INVALID',
  'REFRESH_TOKEN_INVALID',
  'THROTTLED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'UPSTREAM_UNAVAILABLE',
  'INTERNAL',
] as const;

const error = z.object({
  error: z.object({
    code: z.string().describe(`A stable code: ${ERROR_CODES.join(', ')}.`),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), code: z.string(), message: z.string() }))
      .optional(),
    correlationId: z.string().optional(),
  }),
});

const errorResponse = (description: string, retryAfter = false) => ({
  description,
  ...(retryAfter
    ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } }
    : {}),
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const jsonBody = (ref: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const jsonResponse = (description: string, ref: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const SIGNED_ERRORS = {
  '401': errorResponse('No Cognito IAM identity on the request.'),
  '403': errorResponse('A guest, or no active user for this identity.'),
  '500': errorResponse('Unexpected error; `error.correlationId` identifies it in the logs.'),
  '503': errorResponse('A store or Cognito is unavailable.', true),
};

/** Every admin route: the guard (FORBIDDEN) and the core (ADMIN_REQUIRED) each refuse a caller that is no admin. */
const ADMIN_ERRORS = {
  '401': errorResponse('No Cognito IAM identity on the request.'),
  '403': errorResponse(
    'FORBIDDEN: not an active administrator (a guest, another role, a disabled user, no user, or a deployment ' +
      'without the admin role); ADMIN_REQUIRED: the same, found by the core (which re-reads the caller on every call).',
  ),
  '413': errorResponse('Body larger than the configured limit.'),
  '500': errorResponse('Unexpected error; `error.correlationId` identifies it in the logs.'),
  '503': errorResponse('A store or Cognito is unavailable.', true),
};

const NO_BODY = errorResponse('VALIDATION_FAILED: a request body (this route takes none), or an invalid parameter.');

const pathParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', minLength: 1, maxLength: 128 },
});
const USER_ID = pathParameter('userId', "The user's `id`.");
const INVITATION_ID = pathParameter('invitationId', "The invitation's `id` (from its creation or a listing).");

const QUERY_DESCRIPTIONS: Record<string, string> = {
  usernamePrefix: 'Users whose username starts with this (compared as registration canonicalizes usernames).',
  email: 'The user with this address (compared canonically).',
  role: 'Users of this configured role.',
  status: 'Users with this status.',
  cursor: '`nextCursor` of the previous page, with the same filters (another listing or filter is refused).',
  limit: 'Page size (default 50). A page may be short before the end: follow `nextCursor` until it is null.',
};

/** Query parameters from a core request schema: one optional parameter per field, with the field's bounds. */
function queryParameters(schema: z.ZodType) {
  const properties = (schemaOf(schema) as { properties: Record<string, JsonSchema> }).properties;
  return Object.entries(properties).map(([name, fieldSchema]) => ({
    name,
    in: 'query',
    required: false,
    ...(QUERY_DESCRIPTIONS[name] ? { description: QUERY_DESCRIPTIONS[name] } : {}),
    schema: fieldSchema,
  }));
}

const COMMON_ERRORS = {
  '400': errorResponse('Invalid JSON or invalid fields (see `error.issues`).'),
  '413': errorResponse('Body larger than the configured limit.'),
  '500': errorResponse('Unexpected error; `error.correlationId` identifies it in the logs.'),
  '503': errorResponse('A store or Cognito is unavailable.', true),
};

export interface OpenApiOptions {
  readonly title?: string;
  readonly version?: string;
  /** Server URLs (`https://abc.execute-api.eu-west-1.amazonaws.com/prod`). */
  readonly servers?: readonly string[];
  /** Paths of the routes; default `/auth/register`, `/auth/login`, ... and `/me`. */
  readonly paths?: Partial<
    Record<
      | 'register'
      | 'login'
      | 'guest'
      | 'refresh'
      | 'logout'
      | 'me'
      | 'passwordForgot'
      | 'passwordReset'
      | 'changePassword'
      | 'deleteAccount'
      | 'sessions'
      | 'verifyEmail'
      | 'changeEmail'
      | 'resendEmailVerification'
      | 'adminUsers'
      | 'adminInvitations',
      string
    >
  >;
}

/** Admin user management, one listing and one user at a time. */
function adminUserPaths(base: string) {
  const defaultBase = HANDLER_ROUTES.adminListUsers.path;
  const at = (name: RouteName) => base + HANDLER_ROUTES[name].path.slice(defaultBase.length);
  const security = [{ sigv4: [] }];
  return {
    [at('adminListUsers')]: {
      get: {
        operationId: 'adminListUsers',
        summary: 'Users in username order, filtered (every filter given must match), one page at a time.',
        security,
        parameters: queryParameters(adminListUsersInputSchema),
        responses: {
          '200': jsonResponse('A page of users.', 'AdminUserListResponse'),
          '400': errorResponse(
            'VALIDATION_FAILED: a filter, `limit` (not a whole number, out of range), a repeated or unknown ' +
              'parameter, a cursor of another listing or filters, or a request body.',
          ),
          ...ADMIN_ERRORS,
        },
      },
    },
    [at('adminGetUser')]: {
      get: {
        operationId: 'adminGetUser',
        summary: 'One user.',
        security,
        parameters: [USER_ID],
        responses: {
          '200': jsonResponse('The user.', 'AdminUserResponse'),
          '400': NO_BODY,
          '404': errorResponse('USER_NOT_FOUND.'),
          ...ADMIN_ERRORS,
        },
      },
      delete: {
        operationId: 'adminDeleteUser',
        summary: "Delete a user's account and everything stored with it (as the user's own deletion does).",
        security,
        parameters: [USER_ID],
        responses: {
          '204': { description: 'Deleted.' },
          '400': NO_BODY,
          '404': errorResponse('USER_NOT_FOUND.'),
          '409': errorResponse('ADMIN_SELF_CHANGE: an administrator cannot delete their own account.'),
          ...ADMIN_ERRORS,
        },
      },
    },
    [at('adminSetRole')]: {
      put: {
        operationId: 'adminSetRole',
        summary: "Set a user's role; a change ends the user's sessions and unlinks its Cognito login.",
        security,
        parameters: [USER_ID],
        requestBody: jsonBody('AdminSetRoleRequest'),
        responses: {
          '200': jsonResponse('The user as it is now.', 'AdminUserResponse'),
          '400': errorResponse('Invalid JSON or invalid fields (see `error.issues`).'),
          ...ADMIN_ERRORS,
          '403': errorResponse(
            'FORBIDDEN or ADMIN_REQUIRED: not an active administrator; ROLE_NOT_ALLOWED: not a configured role.',
          ),
          '404': errorResponse('USER_NOT_FOUND.'),
          '409': errorResponse(
            'ADMIN_SELF_CHANGE: an administrator cannot change their own role; VERSION_CONFLICT: the user changed meanwhile.',
          ),
        },
      },
    },
    [at('adminSetStatus')]: {
      put: {
        operationId: 'adminSetStatus',
        summary: 'Disable a user (every session ends at once) or enable it again.',
        security,
        parameters: [USER_ID],
        requestBody: jsonBody('AdminSetStatusRequest'),
        responses: {
          '200': jsonResponse('The user as it is now.', 'AdminUserResponse'),
          '400': errorResponse('Invalid JSON or invalid fields (see `error.issues`).'),
          '404': errorResponse('USER_NOT_FOUND.'),
          '409': errorResponse(
            'ADMIN_SELF_CHANGE: an administrator cannot disable their own account; VERSION_CONFLICT: the user ' +
              'changed meanwhile.',
          ),
          ...ADMIN_ERRORS,
        },
      },
    },
    [at('adminRevokeSessions')]: {
      delete: {
        operationId: 'adminRevokeSessions',
        summary: "End every session of a user and unlink its Cognito login (the user's next login links it again).",
        security,
        parameters: [USER_ID],
        responses: {
          '200': jsonResponse('How many sessions ended.', 'AdminRevokeSessionsResponse'),
          '400': NO_BODY,
          '404': errorResponse('USER_NOT_FOUND.'),
          ...ADMIN_ERRORS,
        },
      },
    },
  };
}

/** Invitations to register with a role that is not self-service. */
function adminInvitationPaths(base: string) {
  const defaultBase = HANDLER_ROUTES.adminListInvitations.path;
  const at = (name: RouteName) => base + HANDLER_ROUTES[name].path.slice(defaultBase.length);
  const security = [{ sigv4: [] }];
  return {
    [at('adminCreateInvitation')]: {
      post: {
        operationId: 'adminCreateInvitation',
        summary: 'Create a single-use invitation to register with a role. Its code is in this answer only.',
        security,
        requestBody: jsonBody('AdminCreateInvitationRequest'),
        responses: {
          '201': jsonResponse('Created: give the code to the invitee.', 'AdminInvitationCreatedResponse'),
          '400': errorResponse('Invalid JSON or invalid fields (see `error.issues`; `ttlSeconds` 60 s to 90 days).'),
          ...ADMIN_ERRORS,
          '403': errorResponse(
            'FORBIDDEN or ADMIN_REQUIRED: not an active administrator; ROLE_NOT_ALLOWED: not a configured role.',
          ),
        },
      },
      get: {
        operationId: 'adminListInvitations',
        summary: 'Invitations, newest first, used and expired ones included. Never a code.',
        security,
        parameters: queryParameters(adminListInvitationsInputSchema),
        responses: {
          '200': jsonResponse('A page of invitations.', 'AdminInvitationListResponse'),
          '400': errorResponse(
            'VALIDATION_FAILED: `limit`, a repeated or unknown parameter, a cursor of another listing, or a body.',
          ),
          ...ADMIN_ERRORS,
        },
      },
    },
    [at('adminRevokeInvitation')]: {
      delete: {
        operationId: 'adminRevokeInvitation',
        summary: 'Revoke an invitation: its code can no longer be used to register.',
        security,
        parameters: [INVITATION_ID],
        responses: {
          '204': { description: 'Revoked.' },
          '400': NO_BODY,
          '404': errorResponse('INVITATION_NOT_FOUND (never existed, revoked, or dropped after it expired).'),
          ...ADMIN_ERRORS,
        },
      },
    },
  };
}

/**
 * OpenAPI 3.1 description of every route (HANDLER_ROUTES: the auth, `me`, account and admin routes), generated from
 * the core's zod request schemas.
 */
export function generateOpenApi(options: OpenApiOptions = {}): Record<string, unknown> {
  const path = (name: keyof NonNullable<OpenApiOptions['paths']>, fallback: string) =>
    options.paths?.[name] ?? fallback;
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'devauth',
      version: options.version ?? '0.1.0',
      description: 'Username/password sign-up and login exchanging for Cognito developer-authenticated identities.',
    },
    ...(options.servers ? { servers: options.servers.map((url) => ({ url })) } : {}),
    paths: {
      [path('register', '/auth/register')]: {
        post: {
          operationId: 'register',
          summary: 'Create an account.',
          requestBody: jsonBody('RegisterRequest'),
          responses: {
            '201': jsonResponse('Registered.', 'RegisterResponse'),
            '403': errorResponse('The requested role may not be assigned (ROLE_NOT_ALLOWED).'),
            '409': errorResponse('USERNAME_TAKEN or EMAIL_TAKEN.'),
            ...COMMON_ERRORS,
          },
        },
      },
      [path('login', '/auth/login')]: {
        post: {
          operationId: 'login',
          summary: 'Exchange a username and password for an OpenID token and a refresh token.',
          requestBody: jsonBody('LoginRequest'),
          responses: {
            '200': jsonResponse('Logged in.', 'LoginResponse'),
            '401': errorResponse('Invalid username or password (one answer for both).'),
            '403': errorResponse(
              'ACCOUNT_DISABLED, or EMAIL_NOT_VERIFIED (the password was right; a new verification link was sent).',
            ),
            '429': errorResponse('Too many failed attempts.', true),
            ...COMMON_ERRORS,
          },
        },
      },
      [path('guest', '/auth/guest')]: {
        post: {
          operationId: 'guest',
          summary: 'Create an unauthenticated (guest) identity and the secret that lets a login upgrade it.',
          responses: { '200': jsonResponse('A guest identity.', 'GuestResponse'), ...COMMON_ERRORS },
        },
      },
      [path('refresh', '/auth/refresh')]: {
        post: {
          operationId: 'refresh',
          summary: 'Rotate a refresh token for a fresh OpenID token.',
          requestBody: jsonBody('RefreshRequest'),
          responses: {
            '200': jsonResponse('New tokens.', 'SessionResponse'),
            '401': errorResponse('The refresh token is invalid, expired, revoked or reused.'),
            '403': errorResponse('ACCOUNT_DISABLED.'),
            ...COMMON_ERRORS,
          },
        },
      },
      [path('logout', '/auth/logout')]: {
        post: {
          operationId: 'logout',
          summary: "Revoke a refresh token's session.",
          requestBody: jsonBody('LogoutRequest'),
          responses: { '204': { description: 'Logged out.' }, ...COMMON_ERRORS },
        },
      },
      [path('passwordForgot', '/auth/password/forgot')]: {
        post: {
          operationId: 'passwordForgot',
          summary: 'Ask for a password-reset message. The same answer whether or not the account exists.',
          requestBody: jsonBody('PasswordForgotRequest'),
          responses: {
            '202': jsonResponse('Accepted (a message is sent if the account exists and has an email).', 'Accepted'),
            '429': errorResponse('Too many requests for this account or address.', true),
            ...COMMON_ERRORS,
          },
        },
      },
      [path('passwordReset', '/auth/password/reset')]: {
        post: {
          operationId: 'passwordReset',
          summary: 'Set a new password with the token from the reset message; every session is signed out.',
          requestBody: jsonBody('PasswordResetRequest'),
          responses: {
            '204': { description: 'Password set.' },
            ...COMMON_ERRORS,
            '400': errorResponse('VALIDATION_FAILED, or ACCOUNT_TOKEN_INVALID (unknown, spent, replaced, expired).'),
          },
        },
      },
      [path('verifyEmail', '/auth/email/verify')]: {
        post: {
          operationId: 'verifyEmail',
          summary: 'Follow a verification link: the address the token was sent to becomes the verified address.',
          requestBody: jsonBody('VerifyEmailRequest'),
          responses: {
            '200': jsonResponse('Verified: the user as it is now.', 'VerifyEmailResponse'),
            '409': errorResponse('EMAIL_TAKEN: another account took the new address meanwhile (ask again).'),
            ...COMMON_ERRORS,
            '400': errorResponse('VALIDATION_FAILED, or ACCOUNT_TOKEN_INVALID (unknown, spent, replaced, expired).'),
          },
        },
      },
      [path('changePassword', '/me/password')]: {
        post: {
          operationId: 'changePassword',
          summary: "Change the signed-in user's password; every session ends and the caller gets a new one.",
          security: [{ sigv4: [] }],
          requestBody: jsonBody('ChangePasswordRequest'),
          responses: {
            '200': jsonResponse('Changed: the new session and how many were signed out.', 'ChangePasswordResponse'),
            '401': errorResponse('Not signed by a Cognito identity, or the current password is wrong.'),
            '403': errorResponse('A guest, or no active user for this identity.'),
            '429': errorResponse('Too many failed attempts.', true),
            ...COMMON_ERRORS,
          },
        },
      },
      [path('changeEmail', '/me/email')]: {
        post: {
          operationId: 'changeEmail',
          summary:
            "Ask to change the signed-in user's email address: a verification message goes to the new one, which " +
            'replaces the old one only when its link is followed.',
          security: [{ sigv4: [] }],
          requestBody: jsonBody('ChangeEmailRequest'),
          responses: {
            '202': jsonResponse('The verification message was sent.', 'EmailVerificationSent'),
            '401': errorResponse('Not signed by a Cognito identity, or the password is wrong.'),
            '403': errorResponse('A guest, or no active user for this identity.'),
            '409': errorResponse('EMAIL_TAKEN: another account has this address.'),
            '429': errorResponse('Too many failed attempts, or too many verification messages.', true),
            ...COMMON_ERRORS,
            '503': errorResponse('A store or Cognito is unavailable, or the message could not be sent.', true),
          },
        },
      },
      [path('resendEmailVerification', '/me/email/verification')]: {
        post: {
          operationId: 'resendEmailVerification',
          summary: "Send a new verification message to the signed-in user's current, unverified address.",
          security: [{ sigv4: [] }],
          responses: {
            '200': jsonResponse('The address is verified already: nothing was sent.', 'AlreadyVerified'),
            '202': jsonResponse('A new verification message was sent.', 'EmailVerificationSent'),
            '400': errorResponse('A request body, or an account without an email address (VALIDATION_FAILED).'),
            '413': COMMON_ERRORS['413'],
            '429': errorResponse('Too many verification messages for this account.', true),
            ...SIGNED_ERRORS,
            '503': errorResponse('A store or Cognito is unavailable, or the message could not be sent.', true),
          },
        },
      },
      [path('sessions', '/me/sessions')]: {
        get: {
          operationId: 'listSessions',
          summary: "The signed-in user's live sessions (no tokens: when started and last used, a coarse client).",
          security: [{ sigv4: [] }],
          responses: { '200': jsonResponse('The sessions.', 'SessionsResponse'), ...SIGNED_ERRORS },
        },
        delete: {
          operationId: 'signOutEverywhere',
          summary: 'End every session of the signed-in user.',
          security: [{ sigv4: [] }],
          responses: { '200': jsonResponse('How many ended.', 'RevokedResponse'), ...SIGNED_ERRORS },
        },
      },
      [`${path('sessions', '/me/sessions')}/{familyId}`]: {
        delete: {
          operationId: 'revokeSession',
          summary: 'End one session of the signed-in user.',
          security: [{ sigv4: [] }],
          parameters: [{ name: 'familyId', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } }],
          responses: {
            '204': { description: 'Ended.' },
            '404': errorResponse('SESSION_NOT_FOUND: not a live session of this user.'),
            ...SIGNED_ERRORS,
          },
        },
      },
      [`${path('sessions', '/me/sessions')}/revoke-others`]: {
        post: {
          operationId: 'revokeOtherSessions',
          summary: 'End every session but the one this refresh token belongs to.',
          security: [{ sigv4: [] }],
          requestBody: jsonBody('RefreshRequest'),
          responses: {
            '200': jsonResponse('How many ended.', 'RevokedResponse'),
            '404': errorResponse('SESSION_NOT_FOUND: the token is not a live session of this user.'),
            ...SIGNED_ERRORS,
          },
        },
      },
      [path('me', '/me')]: {
        delete: {
          operationId: 'deleteAccount',
          summary: "Delete the signed-in user's account and everything stored with it (needs the password).",
          security: [{ sigv4: [] }],
          requestBody: jsonBody('DeleteAccountRequest'),
          responses: {
            '204': { description: 'Deleted.' },
            '401': errorResponse('Not signed by a Cognito identity, or the password is wrong.'),
            '403': errorResponse('A guest, or no active user for this identity.'),
            '429': errorResponse('Too many failed attempts.', true),
            ...COMMON_ERRORS,
          },
        },
        get: {
          operationId: 'me',
          summary: 'Who the SigV4-signed caller is.',
          security: [{ sigv4: [] }],
          responses: {
            '200': jsonResponse('The caller.', 'MeResponse'),
            '401': errorResponse('No Cognito IAM identity on the request.'),
            '403': errorResponse('No active user for this identity.'),
            '500': COMMON_ERRORS['500'],
            '503': COMMON_ERRORS['503'],
          },
        },
      },
      ...adminUserPaths(path('adminUsers', HANDLER_ROUTES.adminListUsers.path)),
      ...adminInvitationPaths(path('adminInvitations', HANDLER_ROUTES.adminListInvitations.path)),
    },
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 with Cognito identity credentials (API Gateway AWS_IAM).',
        },
      },
      schemas: {
        RegisterRequest: schemaOf(registerInputSchema),
        LoginRequest: schemaOf(loginInputSchema),
        RefreshRequest: schemaOf(refreshInputSchema),
        LogoutRequest: schemaOf(logoutInputSchema),
        PasswordForgotRequest: schemaOf(passwordResetRequestSchema),
        PasswordResetRequest: schemaOf(passwordResetCompletionSchema),
        ChangePasswordRequest: schemaOf(changePasswordInputSchema),
        DeleteAccountRequest: schemaOf(deleteAccountInputSchema),
        VerifyEmailRequest: schemaOf(emailVerificationInputSchema),
        ChangeEmailRequest: schemaOf(changeEmailInputSchema),
        VerifyEmailResponse: schemaOf(z.object({ user: publicUser }), 'output'),
        EmailVerificationSent: schemaOf(
          z.object({ sentTo: z.string().describe('The address the verification message went to.') }),
          'output',
        ),
        AlreadyVerified: schemaOf(z.object({ alreadyVerified: z.literal(true) }), 'output'),
        Accepted: schemaOf(z.object({ status: z.literal('accepted') }), 'output'),
        SessionsResponse: schemaOf(
          z.object({
            sessions: z.array(
              z.object({
                id: z.string(),
                createdAt: z.iso.datetime(),
                lastUsedAt: z.iso.datetime(),
                expiresAt: z.iso.datetime(),
                client: z.object({ userAgent: z.string().nullable(), addressPrefix: z.string().nullable() }).nullable(),
              }),
            ),
          }),
          'output',
        ),
        RevokedResponse: schemaOf(z.object({ revoked: z.number().int() }), 'output'),
        ChangePasswordResponse: schemaOf(session.extend({ revokedSessions: z.number().int() }), 'output'),
        RegisterResponse: schemaOf(z.object({ user: publicUser }), 'output'),
        LoginResponse: schemaOf(login, 'output'),
        SessionResponse: schemaOf(session, 'output'),
        GuestResponse: schemaOf(guest, 'output'),
        MeResponse: schemaOf(me, 'output'),
        AdminSetRoleRequest: schemaOf(adminSetRoleBodySchema),
        AdminSetStatusRequest: schemaOf(adminSetStatusBodySchema),
        AdminCreateInvitationRequest: schemaOf(adminCreateInvitationInputSchema),
        AdminUserResponse: schemaOf(z.object({ user: publicUser }), 'output'),
        AdminUserListResponse: schemaOf(z.object({ users: z.array(publicUser), nextCursor }), 'output'),
        AdminRevokeSessionsResponse: schemaOf(z.object({ revokedSessions: z.number().int() }), 'output'),
        AdminInvitationCreatedResponse: schemaOf(
          z.object({
            invitation: z.object({
              id: z.string().describe('Names the invitation (to revoke it); reveals nothing of the code.'),
              code: z.string().describe('What the invitee registers with (`invitationCode`). Shown this once only.'),
              role: z.string(),
              expiresAt: isoDate,
            }),
          }),
          'output',
        ),
        AdminInvitationListResponse: schemaOf(
          z.object({
            invitations: z.array(
              z.object({
                id: z.string(),
                role: z.string(),
                status: z.enum(['pending', 'used', 'expired']),
                createdAt: isoDate,
                expiresAt: isoDate,
                usedAt: isoDate.nullable(),
              }),
            ),
            nextCursor,
          }),
          'output',
        ),
        Error: schemaOf(error, 'output'),
      },
    },
  };
}
