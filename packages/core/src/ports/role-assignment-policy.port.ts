import type { Role } from '../domain/role.js';

export interface RoleAssignmentRequest {
  readonly requestedRole: Role;
  readonly invitationCode?: string | undefined;
  /** Set only by trusted server code (never from a request body): an administrator may assign any role. */
  readonly actor?: { readonly isAdministrator: boolean } | undefined;
  readonly now: Date;
}

/**
 * Decides whether a registration may have the role it asks for. It either grants exactly that role or throws
 * RoleNotAllowedError: it never downgrades or upgrades silently. A grant may have consumed an invitation, which
 * `rollback` gives back if the registration then fails.
 */
export interface RoleAssignmentPolicy {
  authorize(request: RoleAssignmentRequest): Promise<RoleGrant>;
}

export interface RoleGrant {
  readonly role: Role;
  readonly via: 'self' | 'invitation' | 'administrator';
  rollback(): Promise<void>;
}
