/** Wire shapes of the devauth routes (see @devauth/lambda-handlers). Dates are ISO-8601 strings. */
export interface DevauthUser {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  /** Whether `email` was proved by following a verification link (reset messages go only to verified addresses). */
  readonly emailVerified: boolean;
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
  /** The proof login needs to upgrade this identity in place. A secret: kept with the session, never logged. */
  readonly guestLinkSecret: string;
  readonly guestLinkExpiresAt: string;
}

export interface MeResult {
  readonly kind: 'guest' | 'user';
  readonly role: string;
  readonly identityId: string | null;
  readonly user?: DevauthUser;
}

/** What the client remembers between calls (and, through its storage, between page loads). Never a password. */
export type Session =
  | {
      readonly kind: 'guest';
      readonly identityId: string;
      readonly role: 'guest';
      /** Absent in sessions stored by older clients: such a guest simply signs in on the user's own identity. */
      readonly guestLinkSecret?: string;
      readonly guestLinkExpiresAt?: string;
    }
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
