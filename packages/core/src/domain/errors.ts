/**
 * Typed domain errors. Every error carries a stable `code`; only the edge (Lambda handlers) maps codes to HTTP.
 * Messages are written for operators and never contain a password, hash, token, invitation code or secret.
 */
export type DevauthErrorCode =
  | 'VALIDATION_FAILED'
  | 'USERNAME_TAKEN'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'ACCOUNT_DISABLED'
  | 'EMAIL_NOT_VERIFIED'
  | 'ROLE_NOT_ALLOWED'
  | 'THROTTLED'
  | 'REFRESH_TOKEN_INVALID'
  | 'REFRESH_TOKEN_REUSED'
  | 'VERSION_CONFLICT'
  | 'USER_NOT_FOUND'
  | 'IDENTITY_TAKEN'
  | 'ACCOUNT_TOKEN_INVALID'
  | 'SESSION_NOT_FOUND'
  | 'ADMIN_REQUIRED'
  | 'ADMIN_SELF_CHANGE'
  | 'INVITATION_NOT_FOUND'
  | 'UPSTREAM_UNAVAILABLE'
  | 'CONFIGURATION';

export abstract class DevauthError extends Error {
  abstract readonly code: DevauthErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem with one input field; `path` follows zod's issue paths. */
export interface FieldIssue {
  readonly path: readonly (string | number)[];
  readonly code: string;
  readonly message: string;
}

export class ValidationError extends DevauthError {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly issues: readonly FieldIssue[]) {
    super(
      `Invalid input: ${issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
  }

  static single(path: string, code: string, message: string): ValidationError {
    return new ValidationError([{ path: [path], code, message }]);
  }
}

export class UsernameTakenError extends DevauthError {
  readonly code = 'USERNAME_TAKEN';
  constructor() {
    super('That username is already registered.');
  }
}

export class EmailTakenError extends DevauthError {
  readonly code = 'EMAIL_TAKEN';
  constructor() {
    super('That email address is already registered.');
  }
}

/** The one error for an unknown user and a wrong password, so neither can be told from the other. */
export class InvalidCredentialsError extends DevauthError {
  readonly code = 'INVALID_CREDENTIALS';
  constructor() {
    super('Invalid username or password.');
  }
}

export class AccountDisabledError extends DevauthError {
  readonly code = 'ACCOUNT_DISABLED';
  constructor() {
    super('This account is disabled.');
  }
}

export type RoleRefusalReason = 'unknown_role' | 'reserved_role' | 'invitation_required' | 'invitation_invalid';

export class RoleNotAllowedError extends DevauthError {
  readonly code = 'ROLE_NOT_ALLOWED';
  constructor(
    readonly role: string,
    readonly reason: RoleRefusalReason,
  ) {
    super(`Role "${role}" cannot be assigned here (${reason.replace(/_/g, ' ')}).`);
  }
}

export class ThrottledError extends DevauthError {
  readonly code = 'THROTTLED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed attempts; retry after ${retryAfterSeconds} s.`);
  }
}

export class RefreshTokenInvalidError extends DevauthError {
  readonly code = 'REFRESH_TOKEN_INVALID';
  constructor() {
    super('The refresh token is invalid, expired or revoked.');
  }
}

/** A token that was already rotated came back: its whole family has been revoked. */
export class RefreshTokenReusedError extends DevauthError {
  readonly code = 'REFRESH_TOKEN_REUSED';
  constructor() {
    super('The refresh token was already used; every token of its session has been revoked.');
  }
}

/** Optimistic concurrency: the record changed since it was read. */
export class VersionConflictError extends DevauthError {
  readonly code = 'VERSION_CONFLICT';
  constructor(readonly entity: string) {
    super(`The ${entity} was changed concurrently; read it again and retry.`);
  }
}

export class UserNotFoundError extends DevauthError {
  readonly code = 'USER_NOT_FOUND';
  constructor() {
    super('No such user.');
  }
}

/**
 * A store or identity service is unreachable, throttling or failing; the caller may retry later.
 *
 * `notApplied` is true only when the adapter knows the request had no effect (the connection was never made, the
 * service refused it with a throttling answer, a server-side timeout rolled it back). Otherwise (a timeout waiting
 * for an answer, a connection reset after the request went out) the write may have committed, and callers must not
 * undo side effects as if it had not: an invitation it consumed stays spent.
 */
export class UpstreamUnavailableError extends DevauthError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
  readonly notApplied: boolean;
  constructor(
    readonly upstream: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown; notApplied?: boolean },
  ) {
    super(`${upstream} is unavailable; retry after ${retryAfterSeconds} s.`, options);
    this.notApplied = options?.notApplied ?? false;
  }
}

/** Another user is already linked to this Cognito IdentityId (an IdentityId belongs to at most one user). */
export class IdentityTakenError extends DevauthError {
  readonly code = 'IDENTITY_TAKEN';
  constructor() {
    super('This identity is already linked to another user.');
  }
}

/** Deployment mistake (bad pool id, missing permission, invalid settings): answered as a server error. */
export class ConfigurationError extends DevauthError {
  readonly code = 'CONFIGURATION';
}

export function isDevauthError(value: unknown): value is DevauthError {
  return value instanceof DevauthError;
}

/**
 * The password was right, but the account's email address is not verified and `requireVerifiedEmail` is on. Only a
 * caller who knew the password ever sees it; Login sends a new verification message (within its rate limit).
 */
export class EmailNotVerifiedError extends DevauthError {
  readonly code = 'EMAIL_NOT_VERIFIED';
  constructor() {
    super('Confirm your email address first: follow the link in the confirmation message (a new one was sent).');
  }
}

/** A reset or verification token that is unknown, spent, replaced by a newer one, expired or malformed (one answer). */
export class AccountTokenInvalidError extends DevauthError {
  readonly code = 'ACCOUNT_TOKEN_INVALID';
  constructor() {
    super('The link is invalid or has expired; ask for a new one.');
  }
}

/** A session (refresh-token family) that is not the caller's, has ended, or never existed (one answer). */
export class SessionNotFoundError extends DevauthError {
  readonly code = 'SESSION_NOT_FOUND';
  constructor() {
    super('No such session.');
  }
}

/**
 * The caller of an admin operation is not an administrator: unknown, deleted, disabled, or not of the `admin` role
 * (re-read from the store on every call, never taken from a request). One answer for all (the edge maps it to 403).
 */
export class AdminRequiredError extends DevauthError {
  readonly code = 'ADMIN_REQUIRED';
  constructor() {
    super('This operation is for administrators.');
  }
}

/** What an administrator may not do to their own account. */
export type AdminSelfChange = 'set_role' | 'set_status' | 'delete_user';

/**
 * Lock-out protection: an administrator may not demote, disable or delete their own account (another administrator,
 * or the operator, can). The edge maps it to 409.
 */
export class AdminSelfChangeError extends DevauthError {
  readonly code = 'ADMIN_SELF_CHANGE';
  constructor(readonly action: AdminSelfChange) {
    super(`An administrator cannot ${ADMIN_SELF_CHANGE_WORDS[action]} their own account; ask another administrator.`);
  }
}

const ADMIN_SELF_CHANGE_WORDS: Record<AdminSelfChange, string> = {
  set_role: 'change the role of',
  set_status: 'disable',
  delete_user: 'delete',
};

/** No invitation has this id (never existed, revoked, or dropped by the store after it expired). */
export class InvitationNotFoundError extends DevauthError {
  readonly code = 'INVITATION_NOT_FOUND';
  constructor() {
    super('No such invitation.');
  }
}
