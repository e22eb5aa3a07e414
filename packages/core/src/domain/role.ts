import { ConfigurationError } from './errors.js';

export type Role = string;

/** The unauthenticated caller. Never stored on a user, never assignable. */
export const GUEST_ROLE = 'guest';

/**
 * The administrator: may call the admin use case (`AdministerUsers`: list, inspect, change, delete users, manage
 * invitations). Never self-service: it cannot be the default role, a self-service role of the role policy, or be
 * had by registering without an invitation for exactly `admin`, which only an administrator (or the operator)
 * can create. The first administrator is made by the operator (`setRole` as the operator, or an invitation).
 */
export const ADMIN_ROLE = 'admin';

/** `shopper` (the default, self-service), `seller` (by invitation) and `admin` (by invitation from an admin). */
export const DEFAULT_ROLES: readonly Role[] = ['shopper', 'seller', ADMIN_ROLE];

/**
 * Role names travel as the `role` principal tag and into IAM conditions, so they are kept to a small ASCII
 * alphabet that every one of those places accepts unchanged.
 */
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

export function assertRoleSet(roles: readonly Role[]): readonly Role[] {
  if (roles.length === 0) throw new ConfigurationError('At least one role must be configured.');
  for (const role of roles) {
    if (!ROLE_NAME.test(role)) {
      throw new ConfigurationError(`Role "${role}" must match ${ROLE_NAME.source}.`);
    }
    if (role === GUEST_ROLE) {
      throw new ConfigurationError(`"${GUEST_ROLE}" is the unauthenticated caller and cannot be a stored role.`);
    }
  }
  if (new Set(roles).size !== roles.length) throw new ConfigurationError('Roles must be unique.');
  return roles;
}
