/**
 * `@devauth/core`: domain, use cases and ports. No AWS SDK, no database driver, no DI container (see
 * `@devauth/core/composition` for tsyringe, `@devauth/core/testing` for in-memory adapters and
 * `@devauth/core/testing/contracts` for the contract suites).
 */
export { createDevauth, type Devauth, type DevauthDependencies } from './devauth.js';
export * from './domain/account-token.js';
export { staticCommonPasswords, zxcvbnCommonPasswords } from './domain/common-passwords.js';
export { type DevauthConfig, type DevauthConfigInput, resolveConfig } from './domain/config.js';
export * from './domain/errors.js';
export * from './domain/events.js';
export * from './domain/guest-link.js';
export * from './domain/invitation.js';
export { InvitationRoleAssignmentPolicy } from './domain/invitation-role-policy.js';
export * from './domain/messages.js';
export { isNetworkFailure, NETWORK_ERROR_CODES } from './domain/network-failure.js';
export * from './domain/password-policy.js';
export * from './domain/refresh-token.js';
export * from './domain/role.js';
export * from './domain/schemas.js';
export * from './domain/secret-token.js';
export { throttleAddress } from './domain/source-address.js';
export * from './domain/throttle.js';
export * from './domain/unusable-password.js';
export * from './domain/user.js';
export * from './domain/username.js';
export { uuidv7, uuidv7Generator } from './domain/uuidv7.js';
export { parseInput } from './domain/validation.js';
export * from './hashing/index.js';
export { createCallbackMessageSender } from './messaging/callback-message-sender.js';
export { InMemoryOutbox, type OutboxEntry } from './messaging/in-memory-outbox.js';
export type * from './ports/account-token-store.port.js';
export * from './ports/clock.port.js';
export * from './ports/event-sink.port.js';
export type * from './ports/guest-link-store.port.js';
export type * from './ports/id-generator.port.js';
export type * from './ports/identity-broker.port.js';
export type * from './ports/invitation-store.port.js';
export type * from './ports/login-attempt-store.port.js';
export type * from './ports/message-sender.port.js';
export type * from './ports/password-hasher.port.js';
export type * from './ports/refresh-token-store.port.js';
export type * from './ports/role-assignment-policy.port.js';
export {
  assertNewUsersBatch,
  assertPageLimit,
  decodeInvitationCursor,
  decodeStoreCursor,
  encodeInvitationCursor,
  encodeStoreCursor,
  type InvitationListPosition,
  invalidStoreCursor,
} from './ports/store-listing.js';
export type * from './ports/user-store.port.js';
export { USER_PAGE_LIMIT } from './ports/user-store.port.js';
export * from './tokens.js';
export type { AdminActionDetails, AdminActor, AuthorizedAdmin } from './use-cases/admin-access.js';
export {
  ADMIN_DEFAULT_PAGE_SIZE,
  AdministerUsers,
  type AdministerUsersDependencies,
  type InvitationListPage,
  type UserListPage,
} from './use-cases/administer-users.use-case.js';
export {
  ChangeEmail,
  type ChangeEmailDependencies,
  type EmailVerificationSent,
  ResendEmailVerification,
} from './use-cases/change-email.use-case.js';
export {
  ChangePassword,
  type ChangePasswordDependencies,
  type PasswordChangeResult,
  type SignedInContext,
} from './use-cases/change-password.use-case.js';
export {
  type AccessChange,
  ChangeUserAccess,
  type ChangeUserAccessDependencies,
} from './use-cases/change-user-access.use-case.js';
export {
  CompletePasswordReset,
  type CompletePasswordResetDependencies,
} from './use-cases/complete-password-reset.use-case.js';
export {
  CreateGuestIdentity,
  type CreateGuestIdentityDependencies,
  type GuestContext,
  type GuestIdentity,
} from './use-cases/create-guest-identity.use-case.js';
export { CreateInvitation, type Invitation } from './use-cases/create-invitation.use-case.js';
export { DeleteAccount, type DeleteAccountDependencies } from './use-cases/delete-account.use-case.js';
export * from './use-cases/export-users.use-case.js';
export * from './use-cases/import-users.use-case.js';
export {
  Login,
  type LoginContext,
  type LoginDependencies,
  type LoginResult,
  type SessionTokens,
} from './use-cases/login.use-case.js';
export { Logout, type LogoutDependencies } from './use-cases/logout.use-case.js';
export { ManageSessions, type ManageSessionsDependencies } from './use-cases/manage-sessions.use-case.js';
export { publishSafely } from './use-cases/publish.js';
export { RefreshSession, type RefreshSessionDependencies } from './use-cases/refresh-session.use-case.js';
export {
  type RegisterContext,
  RegisterUser,
  type RegisterUserDependencies,
} from './use-cases/register-user.use-case.js';
export {
  RequestPasswordReset,
  type RequestPasswordResetDependencies,
  type ResetRequestContext,
} from './use-cases/request-password-reset.use-case.js';
export {
  type AccessRevocationReason,
  RevokeUserAccess,
  type RevokeUserAccessDependencies,
} from './use-cases/revoke-user-access.use-case.js';
export { VerifyEmail, type VerifyEmailDependencies } from './use-cases/verify-email.use-case.js';
