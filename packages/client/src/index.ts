export type {
  AdminClient,
  AdminInvitationPage,
  AdminInvitationQuery,
  AdminUserPage,
  AdminUserQuery,
  CreatedInvitation,
  CreateInvitationInput,
  InvitationStatus,
  InvitationSummary,
  UserStatus,
} from './admin-client.js';
export {
  type AuthClient,
  type AuthClientOptions,
  createAuthClient,
  DEFAULT_PATHS,
  type DevauthPaths,
  type FetchLike,
} from './auth-client.js';
export {
  type AwsCredentials,
  type CredentialsProviderOptions,
  createCredentialsProvider,
  type DevauthCredentialsProvider,
} from './credentials.js';
export {
  createDevauthClient,
  type DevauthClient,
  type DevauthClientOptions,
  type SessionSummary,
} from './devauth-client.js';
export {
  DevauthClientError,
  type DevauthClientErrorInit,
  type DevauthErrorCode,
  isDevauthClientError,
  parseRetryAfter,
  type ValidationIssue,
} from './errors.js';
export {
  createSignedFetch,
  type SignedFetch,
  type SignedFetchOptions,
  type SignedRequestInit,
} from './signed-fetch.js';
export { memoryStorage, type SessionStorage, type WebStorageLike, webStorage } from './storage.js';
export type { DevauthUser, GuestIdentity, LoginInput, MeResult, RegisterInput, Session, TokenSet } from './types.js';
