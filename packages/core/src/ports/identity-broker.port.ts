/**
 * The token exchange with the identity pool (Amazon Cognito developer-authenticated identities in production).
 */
export interface DeveloperTokenRequest {
  /** Our user id: the DeveloperUserIdentifier. */
  readonly developerUserId: string;
  /** The user's known IdentityId, or the caller's guest IdentityId to upgrade; undefined for a first login. */
  readonly identityId?: string | undefined;
  /** Session tags (`role`) for attribute-based access control. */
  readonly principalTags: Readonly<Record<string, string>>;
  /** 1..86400 seconds. */
  readonly tokenDurationSeconds: number;
}

export interface DeveloperToken {
  /** The identity the token is for; may differ from the one requested (see `identityReplaced`). */
  readonly identityId: string;
  /** OpenID Connect token to exchange for AWS credentials (GetCredentialsForIdentity). */
  readonly token: string;
  readonly expiresAt: Date;
  /**
   * True when an IdentityId was requested but the user resolved to another identity (the developer user was already
   * linked elsewhere): the caller must store the returned one.
   */
  readonly identityReplaced: boolean;
}

export interface IdentityBroker {
  /** GetOpenIdTokenForDeveloperIdentity. Errors: UpstreamUnavailableError, ConfigurationError. */
  getTokenForUser(request: DeveloperTokenRequest): Promise<DeveloperToken>;
  /** A new unauthenticated (guest) identity: GetId without logins. */
  createGuestIdentity(): Promise<{ readonly identityId: string }>;
  /**
   * Revocation: unlinks the developer user from its identity (UnlinkDeveloperIdentity), so no new OpenID token or
   * credentials can be had for it without a new login, which links it again (keeping the IdentityId). Idempotent.
   */
  unlinkUser(request: { readonly developerUserId: string; readonly identityId: string }): Promise<void>;
  /** Account removal: unlinks the developer user from its identity and deletes the identity. Idempotent. */
  removeIdentity(request: { readonly developerUserId: string; readonly identityId: string }): Promise<void>;
}
