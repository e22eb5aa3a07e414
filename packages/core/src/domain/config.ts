import * as z from 'zod';
import { ConfigurationError } from './errors.js';
import { type PasswordPolicyOptions, resolvePasswordPolicy } from './password-policy.js';
import { ADMIN_ROLE, assertRoleSet, DEFAULT_ROLES, type Role } from './role.js';
import {
  DEFAULT_GUEST_RATE_LIMIT,
  DEFAULT_PASSWORD_RESET_RATE_LIMIT,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  resolveRateLimitPolicy,
  resolveThrottlePolicy,
  type ThrottlePolicy,
} from './throttle.js';

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);
const throttleOptions = z
  .strictObject({
    freeFailures: z.number().optional(),
    baseDelaySeconds: z.number().optional(),
    maxDelaySeconds: z.number().optional(),
    maxConsecutiveFailures: z.number().optional(),
    resetAfterIdleSeconds: z.number().optional(),
  })
  .optional();

/**
 * Longest OpenID token lifetime without `allowLongTokenDuration`. The token is what a client trades for AWS
 * credentials, so it bounds how long a revoked user can still obtain them: 15 minutes is Cognito's own default.
 */
export const MAX_DEFAULT_TOKEN_DURATION_SECONDS = 900;

const configSchema = z.strictObject({
  roles: z.array(z.string()).optional(),
  /** The role self-registration gets when none is asked for (default: the first role). Never `admin`. */
  defaultRole: z.string().optional(),
  /**
   * OpenID token lifetime passed to GetOpenIdTokenForDeveloperIdentity (Cognito: 1..86400 s; ours: default 900, at
   * most 900 unless `allowLongTokenDuration`).
   */
  tokenDurationSeconds: seconds(1, 86_400).optional(),
  /** Allows `tokenDurationSeconds` above 15 minutes (it lengthens the window in which a revoked user keeps access). */
  allowLongTokenDuration: z.boolean().optional(),
  /** Lifetime of a guest link secret (the proof a login needs to upgrade a guest identity). Default 30 days. */
  guestLinkTtlSeconds: seconds(60, 365 * 86_400).optional(),
  /**
   * A rotated refresh token presented again within this many seconds of its rotation gets a fresh token instead of
   * revoking the session (a client that lost the answer on a flaky network). Default 0: strict.
   */
  refreshReuseLeewaySeconds: seconds(0, 300).optional(),
  /**
   * Whether a disabled account says so after a correct password (ACCOUNT_DISABLED). Default false: it answers exactly
   * like a wrong password, so the answer is no oracle for the password of a disabled account.
   */
  revealDisabledAccounts: z.boolean().optional(),
  /** Lifetime of one refresh token; each rotation issues a new one. */
  refreshTokenTtlSeconds: seconds(60, 365 * 86_400).optional(),
  /** Absolute lifetime of a login session (a refresh-token family); rotation never extends past it. */
  sessionMaxAgeSeconds: seconds(60, 365 * 86_400).optional(),
  invitationTtlSeconds: seconds(60, 90 * 86_400).optional(),
  /** Lifetime of a password-reset token (default 30 minutes). */
  passwordResetTtlSeconds: seconds(60, 86_400).optional(),
  /**
   * The least time a password-reset request takes to answer (default 1,000 ms), so an account that exists (a token
   * stored, a message sent) and one that does not answer alike; raise it if your message transport is slower.
   */
  passwordResetResponseFloorMs: z.number().int().min(0).max(30_000).optional(),
  /** Password-reset requests per account and per source address (anti-automation, mailbox flooding). */
  passwordResetRateLimit: throttleOptions,
  /**
   * Whether a reset message may go to an address nobody confirmed. Default false: an unverified address may be a
   * typo or someone else's, and whoever reads it would own the account. Turn on only while moving users who
   * registered before email verification existed (their addresses read as unverified).
   */
  passwordResetToUnverifiedEmail: z.boolean().optional(),
  /** Lifetime of an email-verification token (default 24 hours). */
  emailVerificationTtlSeconds: seconds(60, 7 * 86_400).optional(),
  /** Verification messages per account: resends and refused logins (default: the reset request's limits). */
  emailVerificationRateLimit: throttleOptions,
  /**
   * Refuse login until the email address is verified (EMAIL_NOT_VERIFIED, only after a correct password). Also makes
   * an email address required at registration. Needs a MessageSender. Default false.
   */
  requireVerifiedEmail: z.boolean().optional(),
  /** Accept a verified email address in place of the username at login. Default false. */
  loginWithEmail: z.boolean().optional(),
  passwordPolicy: z
    .strictObject({
      minLength: z.number().optional(),
      maxLength: z.number().optional(),
      maxBytes: z.number().optional(),
    })
    .optional(),
  throttle: throttleOptions,
  /** Registrations per source address (anti-automation). */
  registrationRateLimit: throttleOptions,
  /** Guest identities per source address. */
  guestRateLimit: throttleOptions,
});

export type DevauthConfigInput = z.input<typeof configSchema>;

export interface DevauthConfig {
  readonly roles: readonly Role[];
  readonly defaultRole: Role;
  readonly tokenDurationSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly sessionMaxAgeSeconds: number;
  readonly invitationTtlSeconds: number;
  readonly passwordPolicy: PasswordPolicyOptions;
  readonly throttle: ThrottlePolicy;
  readonly registrationRateLimit: ThrottlePolicy;
  readonly guestRateLimit: ThrottlePolicy;
  readonly guestLinkTtlSeconds: number;
  readonly refreshReuseLeewaySeconds: number;
  readonly revealDisabledAccounts: boolean;
  readonly passwordResetTtlSeconds: number;
  readonly passwordResetResponseFloorMs: number;
  readonly passwordResetRateLimit: ThrottlePolicy;
  readonly passwordResetToUnverifiedEmail: boolean;
  readonly emailVerificationTtlSeconds: number;
  readonly emailVerificationRateLimit: ThrottlePolicy;
  readonly requireVerifiedEmail: boolean;
  readonly loginWithEmail: boolean;
}

/** Validates configuration once (cold start) and fills defaults; throws ConfigurationError naming every problem. */
export function resolveConfig(input: DevauthConfigInput = {}): DevauthConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigurationError(`Invalid devauth configuration: ${problems.join('; ')}`);
  }
  const value = parsed.data;
  const roles = assertRoleSet(value.roles ?? DEFAULT_ROLES);
  const defaultRole = value.defaultRole ?? roles[0]!;
  if (!roles.includes(defaultRole))
    throw new ConfigurationError(`defaultRole "${defaultRole}" is not a configured role.`);
  if (defaultRole === ADMIN_ROLE) {
    throw new ConfigurationError(
      `defaultRole "${ADMIN_ROLE}" would let anyone register as an administrator: it is never self-service ` +
        '(list another role first, or set defaultRole).',
    );
  }
  const refreshTokenTtlSeconds = value.refreshTokenTtlSeconds ?? 30 * 86_400;
  const sessionMaxAgeSeconds = value.sessionMaxAgeSeconds ?? 90 * 86_400;
  if (sessionMaxAgeSeconds < refreshTokenTtlSeconds) {
    throw new ConfigurationError('sessionMaxAgeSeconds must be at least refreshTokenTtlSeconds.');
  }
  const tokenDurationSeconds = value.tokenDurationSeconds ?? MAX_DEFAULT_TOKEN_DURATION_SECONDS;
  if (tokenDurationSeconds > MAX_DEFAULT_TOKEN_DURATION_SECONDS && value.allowLongTokenDuration !== true) {
    throw new ConfigurationError(
      `tokenDurationSeconds above ${MAX_DEFAULT_TOKEN_DURATION_SECONDS} needs allowLongTokenDuration: true ` +
        '(a revoked user can obtain AWS credentials for as long as the OpenID token lives).',
    );
  }
  return {
    roles,
    defaultRole,
    tokenDurationSeconds,
    refreshTokenTtlSeconds,
    sessionMaxAgeSeconds,
    invitationTtlSeconds: value.invitationTtlSeconds ?? 7 * 86_400,
    passwordPolicy: resolvePasswordPolicy(value.passwordPolicy),
    throttle: resolveThrottlePolicy(value.throttle),
    registrationRateLimit: resolveRateLimitPolicy(
      'registrationRateLimit',
      DEFAULT_REGISTRATION_RATE_LIMIT,
      value.registrationRateLimit,
    ),
    guestRateLimit: resolveRateLimitPolicy('guestRateLimit', DEFAULT_GUEST_RATE_LIMIT, value.guestRateLimit),
    guestLinkTtlSeconds: value.guestLinkTtlSeconds ?? 30 * 86_400,
    refreshReuseLeewaySeconds: value.refreshReuseLeewaySeconds ?? 0,
    revealDisabledAccounts: value.revealDisabledAccounts ?? false,
    passwordResetTtlSeconds: value.passwordResetTtlSeconds ?? 30 * 60,
    passwordResetResponseFloorMs: value.passwordResetResponseFloorMs ?? 1_000,
    passwordResetRateLimit: resolveRateLimitPolicy(
      'passwordResetRateLimit',
      DEFAULT_PASSWORD_RESET_RATE_LIMIT,
      value.passwordResetRateLimit,
    ),
    passwordResetToUnverifiedEmail: value.passwordResetToUnverifiedEmail ?? false,
    emailVerificationTtlSeconds: value.emailVerificationTtlSeconds ?? 24 * 60 * 60,
    emailVerificationRateLimit: resolveRateLimitPolicy(
      'emailVerificationRateLimit',
      DEFAULT_PASSWORD_RESET_RATE_LIMIT,
      value.emailVerificationRateLimit,
    ),
    requireVerifiedEmail: value.requireVerifiedEmail ?? false,
    loginWithEmail: value.loginWithEmail ?? false,
  };
}
