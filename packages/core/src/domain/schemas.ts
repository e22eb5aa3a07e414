import * as z from 'zod';
import { USER_PAGE_LIMIT } from '../ports/user-store.port.js';

/**
 * Request schemas for the use cases, exported so edges (Lambda handlers, OpenAPI generation, clients) share them.
 * They check shape and coarse bounds only; canonicalization and password policy run after them, in the use cases.
 * Objects are strict: an unexpected field (a smuggled `isAdministrator`, say) is an error, never silently dropped.
 */
const boundedString = (max: number) => z.string().max(max);

export const registerInputSchema = z.strictObject({
  username: boundedString(256),
  password: boundedString(4096),
  email: boundedString(512).optional(),
  role: boundedString(64).optional(),
  invitationCode: boundedString(128).optional(),
});
export type RegisterInput = z.input<typeof registerInputSchema>;

export const loginInputSchema = z.strictObject({
  /** The username, or (with `loginWithEmail`) a verified email address: usernames never contain `@`. */
  username: boundedString(512),
  password: boundedString(4096),
  /** The caller's guest IdentityId, to be upgraded to an authenticated identity (keeps the id)... */
  guestIdentityId: boundedString(55).optional(),
  /** ...which happens only with the guest link secret the guest route returned for it. */
  guestLinkSecret: boundedString(128).optional(),
});
export type LoginInput = z.input<typeof loginInputSchema>;

export const refreshInputSchema = z.strictObject({ refreshToken: boundedString(128) });
export type RefreshInput = z.input<typeof refreshInputSchema>;

export const logoutInputSchema = z.strictObject({ refreshToken: boundedString(128) });
export type LogoutInput = z.input<typeof logoutInputSchema>;

export const changePasswordInputSchema = z.strictObject({
  currentPassword: boundedString(4096),
  newPassword: boundedString(4096),
});
export type ChangePasswordInput = z.input<typeof changePasswordInputSchema>;

/** `username`: the username or a verified email address (usernames never contain `@`). */
export const passwordResetRequestSchema = z.strictObject({ username: boundedString(512) });
export type PasswordResetRequestInput = z.input<typeof passwordResetRequestSchema>;

export const passwordResetCompletionSchema = z.strictObject({
  token: boundedString(128),
  newPassword: boundedString(4096),
});
export type PasswordResetCompletionInput = z.input<typeof passwordResetCompletionSchema>;

export const emailVerificationInputSchema = z.strictObject({ token: boundedString(128) });
export type EmailVerificationInput = z.input<typeof emailVerificationInputSchema>;

export const changeEmailInputSchema = z.strictObject({
  password: boundedString(4096),
  newEmail: boundedString(512),
});
export type ChangeEmailInput = z.input<typeof changeEmailInputSchema>;

export const deleteAccountInputSchema = z.strictObject({ password: boundedString(4096) });
export type DeleteAccountInput = z.input<typeof deleteAccountInputSchema>;

export const revokeOtherSessionsInputSchema = z.strictObject({ refreshToken: boundedString(128) });
export type RevokeOtherSessionsInput = z.input<typeof revokeOtherSessionsInputSchema>;

/** Cognito IdentityId shape: `<region>:<uuid>` (API limits: 1-55 chars, `[\w-]+:[0-9a-f-]+`). */
export const IDENTITY_ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;

/**
 * Admin requests (`AdministerUsers`). Filters are canonicalized in the use case like registration's fields;
 * `limit` is a number (an edge turns a query string's digits into one), at most USER_PAGE_LIMIT.
 */
export const adminListUsersInputSchema = z.strictObject({
  usernamePrefix: boundedString(256).optional(),
  email: boundedString(512).optional(),
  role: boundedString(64).optional(),
  status: z.enum(['active', 'disabled']).optional(),
  cursor: boundedString(2048).optional(),
  limit: z.number().int().min(1).max(USER_PAGE_LIMIT).optional(),
});
export type AdminListUsersInput = z.input<typeof adminListUsersInputSchema>;

export const adminCreateInvitationInputSchema = z.strictObject({
  role: boundedString(64),
  ttlSeconds: z.number().int().optional(),
});
export type AdminCreateInvitationInput = z.input<typeof adminCreateInvitationInputSchema>;

export const adminListInvitationsInputSchema = z.strictObject({
  cursor: boundedString(2048).optional(),
  limit: z.number().int().min(1).max(USER_PAGE_LIMIT).optional(),
});
export type AdminListInvitationsInput = z.input<typeof adminListInvitationsInputSchema>;
