/** Wire shapes of the devauth routes (see @devauth/lambda-handlers). Dates are ISO-8601 strings. */
export interface DevauthUser {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly role: string;
  readonly identityId: string | null;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface RegisterInput {
  readonly username: string;
  readonly password: string;
  readonly email?: string;
  readonly role?: string;
  readonly invitationCode?: string;
}

export interface LoginInput {
  readonly username: string;
  readonly password: string;
}

/** What login and refresh answer (login adds `user`). */
export interface TokenSet {
  readonly identityId: string;
  readonly openIdToken: string;
  readonly openIdTokenExpiresAt: string;
  readonly role: string;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: string;
  readonly user?: DevauthUser;
}

export interface GuestIdentity {
  readonly identityId: string;
  readonly role: 'guest';
}

export interface MeResult {
  readonly kind: 'guest' | 'user';
  readonly role: string;
  readonly identityId: string | null;
  readonly user?: DevauthUser;
}

/** What the client remembers between calls (and, through its storage, between page loads). Never a password. */
export type Session =
  | { readonly kind: 'guest'; readonly identityId: string; readonly role: 'guest' }
  | {
      readonly kind: 'user';
      readonly identityId: string;
      readonly role: string;
      readonly openIdToken: string;
      readonly openIdTokenExpiresAt: string;
      readonly refreshToken: string;
      readonly refreshTokenExpiresAt: string;
      readonly user?: DevauthUser;
    };
