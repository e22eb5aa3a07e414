import type { Role } from './role.js';

/**
 * Domain events, published through the EventSink port. They carry ids and outcomes only: never a password, hash,
 * token, invitation code or username typed by an unknown caller.
 */
export type DomainEvent =
  | { readonly type: 'UserRegistered'; readonly at: Date; readonly userId: string; readonly role: Role }
  | { readonly type: 'UserImported'; readonly at: Date; readonly userId: string; readonly role: Role }
  | { readonly type: 'LoginSucceeded'; readonly at: Date; readonly userId: string; readonly identityId: string }
  | {
      readonly type: 'LoginFailed';
      readonly at: Date;
      readonly reason: 'invalid_credentials' | 'throttled' | 'account_disabled' | 'email_not_verified';
      readonly userId: string | null;
    }
  | { readonly type: 'PasswordRehashed'; readonly at: Date; readonly userId: string; readonly algorithm: string }
  | {
      readonly type: 'IdentityLinked';
      readonly at: Date;
      readonly userId: string;
      readonly identityId: string;
      readonly guestUpgraded: boolean;
    }
  | { readonly type: 'SessionRefreshed'; readonly at: Date; readonly userId: string; readonly familyId: string }
  | {
      readonly type: 'RefreshTokenReuseDetected';
      readonly at: Date;
      readonly userId: string;
      readonly familyId: string;
    }
  | { readonly type: 'LoggedOut'; readonly at: Date; readonly userId: string; readonly familyId: string }
  | { readonly type: 'GuestIdentityCreated'; readonly at: Date; readonly identityId: string }
  | { readonly type: 'InvitationCreated'; readonly at: Date; readonly role: Role; readonly expiresAt: Date }
  | {
      readonly type: 'AccessRevoked';
      readonly at: Date;
      readonly userId: string;
      readonly reason: 'disabled' | 'role_changed' | 'deleted' | 'password_changed' | 'password_reset' | 'requested';
      readonly revokedSessions: number;
    }
  | {
      readonly type: 'UserAccessChanged';
      readonly at: Date;
      readonly userId: string;
      readonly status?: 'active' | 'disabled';
      readonly role?: Role;
    }
  | { readonly type: 'PasswordChanged'; readonly at: Date; readonly userId: string; readonly revokedSessions: number }
  | {
      readonly type: 'PasswordResetRequested';
      readonly at: Date;
      /** null when no account (with an address to write to) matched: the answer was the same. */
      readonly userId: string | null;
      readonly delivered: boolean;
    }
  | { readonly type: 'PasswordReset'; readonly at: Date; readonly userId: string }
  | {
      readonly type: 'EmailVerificationRequested';
      readonly at: Date;
      readonly userId: string;
      /** Why the message went out: a registration, a change of address, a resend, a refused login. */
      readonly reason: 'registered' | 'email_change' | 'resend' | 'login_refused';
      readonly delivered: boolean;
    }
  | { readonly type: 'EmailVerified'; readonly at: Date; readonly userId: string; readonly changed: boolean }
  | { readonly type: 'AccountDeleted'; readonly at: Date; readonly userId: string }
  | { readonly type: 'SessionsEnded'; readonly at: Date; readonly userId: string; readonly count: number };

export type DomainEventType = DomainEvent['type'];
