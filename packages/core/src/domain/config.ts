import * as z from 'zod';
import { ConfigurationError } from './errors.js';
import { type PasswordPolicyOptions, resolvePasswordPolicy } from './password-policy.js';
import { assertRoleSet, DEFAULT_ROLES, type Role } from './role.js';
import { resolveThrottlePolicy, type ThrottlePolicy } from './throttle.js';

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

const configSchema = z.strictObject({
  roles: z.array(z.string()).optional(),
  /** The role self-registration gets when none is asked for. */
  defaultRole: z.string().optional(),
  /** OpenID token lifetime passed to GetOpenIdTokenForDeveloperIdentity (Cognito: 1..86400 s, default 900). */
  tokenDurationSeconds: seconds(1, 86_400).optional(),
  /** Lifetime of one refresh token; each rotation issues a new one. */
  refreshTokenTtlSeconds: seconds(60, 365 * 86_400).optional(),
  /** Absolute lifetime of a login session (a refresh-token family); rotation never extends past it. */
  sessionMaxAgeSeconds: seconds(60, 365 * 86_400).optional(),
  invitationTtlSeconds: seconds(60, 90 * 86_400).optional(),
  passwordPolicy: z
    .strictObject({
      minLength: z.number().optional(),
      maxLength: z.number().optional(),
      maxBytes: z.number().optional(),
    })
    .optional(),
  throttle: z
    .strictObject({
      freeFailures: z.number().optional(),
      baseDelaySeconds: z.number().optional(),
      maxDelaySeconds: z.number().optional(),
      maxConsecutiveFailures: z.number().optional(),
      resetAfterIdleSeconds: z.number().optional(),
    })
    .optional(),
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
  const refreshTokenTtlSeconds = value.refreshTokenTtlSeconds ?? 30 * 86_400;
  const sessionMaxAgeSeconds = value.sessionMaxAgeSeconds ?? 90 * 86_400;
  if (sessionMaxAgeSeconds < refreshTokenTtlSeconds) {
    throw new ConfigurationError('sessionMaxAgeSeconds must be at least refreshTokenTtlSeconds.');
  }
  return {
    roles,
    defaultRole,
    tokenDurationSeconds: value.tokenDurationSeconds ?? 900,
    refreshTokenTtlSeconds,
    sessionMaxAgeSeconds,
    invitationTtlSeconds: value.invitationTtlSeconds ?? 7 * 86_400,
    passwordPolicy: resolvePasswordPolicy(value.passwordPolicy),
    throttle: resolveThrottlePolicy(value.throttle),
  };
}
