import type { Role } from './role.js';
import type { UserStatus } from './user.js';

/** Who performed an admin operation: a signed-in administrator (by user id) or the operator tool (by name). */
export type AdminActorRef =
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'operator'; readonly name: string };

export type AdminActionName =
  | 'list_users'
  | 'get_user'
  | 'set_role'
  | 'set_status'
  | 'delete_user'
  | 'revoke_sessions'
  | 'create_invitation'
  | 'list_invitations'
  | 'revoke_invitation';

/**
 * The audit record of one admin operation that was carried out. Ids and outcomes only: no username, email
 * address, password, hash, invitation code or filter value. `invitationId` is the invitation's public id (the SHA-256
 * digest of a 256-bit random code, from which the code cannot be recovered).
 */
export interface AdminActionEvent {
  readonly type: 'AdminAction';
  readonly at: Date;
  readonly actor: AdminActorRef;
  readonly action: AdminActionName;
  readonly targetUserId?: string;
  readonly invitationId?: string;
  /** The role of a created invitation. */
  readonly role?: Role;
  /** What a set_role / set_status changed (absent when the user already had that role or status). */
  readonly changes?: {
    readonly role?: { readonly from: Role; readonly to: Role };
    readonly status?: { readonly from: UserStatus; readonly to: UserStatus };
  };
  /** list_users / list_invitations: how many records the page held. */
  readonly count?: number;
  /** revoke_sessions: how many sessions ended. */
  readonly revokedSessions?: number;
}

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
  | { readonly type: 'SessionsEnded'; readonly at: Date; readonly userId: string; readonly count: number }
  | AdminActionEvent
  | {
      /** An admin operation refused because its caller is not (or no longer) an active administrator. */
      readonly type: 'AdminAccessDenied';
      readonly at: Date;
      readonly actor: AdminActorRef;
      readonly action: AdminActionName;
    };

export type DomainEventType = DomainEvent['type'];
