/**
 * Dependency-injection tokens, one per port. Plain Symbols: the core never imports a container; composition roots
 * (see `@devauth/core/composition` or your own) bind these tokens to adapters.
 */
export const TOKENS = {
  UserStore: Symbol.for('devauth.UserStore'),
  RefreshTokenStore: Symbol.for('devauth.RefreshTokenStore'),
  LoginAttemptStore: Symbol.for('devauth.LoginAttemptStore'),
  InvitationStore: Symbol.for('devauth.InvitationStore'),
  GuestLinkStore: Symbol.for('devauth.GuestLinkStore'),
  AccountTokenStore: Symbol.for('devauth.AccountTokenStore'),
  MessageSender: Symbol.for('devauth.MessageSender'),
  PasswordHasher: Symbol.for('devauth.PasswordHasher'),
  IdentityBroker: Symbol.for('devauth.IdentityBroker'),
  RoleAssignmentPolicy: Symbol.for('devauth.RoleAssignmentPolicy'),
  CommonPasswordList: Symbol.for('devauth.CommonPasswordList'),
  Clock: Symbol.for('devauth.Clock'),
  IdGenerator: Symbol.for('devauth.IdGenerator'),
  EventSink: Symbol.for('devauth.EventSink'),
  Config: Symbol.for('devauth.Config'),
  Devauth: Symbol.for('devauth.Devauth'),
} as const;

export type TokenName = keyof typeof TOKENS;
