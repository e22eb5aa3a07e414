import type { InvitationStore } from '../ports/invitation-store.port.js';
import type { RoleAssignmentPolicy, RoleAssignmentRequest, RoleGrant } from '../ports/role-assignment-policy.port.js';
import { ConfigurationError, RoleNotAllowedError } from './errors.js';
import { ADMIN_ROLE, GUEST_ROLE, type Role } from './role.js';
import { digestSecretToken, INVITATION_CODE_PREFIX, isSecretTokenShape } from './secret-token.js';

const NOTHING_TO_UNDO = async () => undefined;

/**
 * The default RoleAssignmentPolicy: `selfServiceRoles` (default: the default role, `shopper`) are open to anyone;
 * every other configured role needs a valid invitation for exactly that role (single use, expiring, consumed
 * atomically) or an administrator actor. Anything else is refused with the reason; the requested role is never
 * swapped for another.
 *
 * `admin` is never self-service: a policy listing it in `selfServiceRoles` refuses to be built (ConfigurationError),
 * and `authorize` never grants it `via: 'self'` whatever the list holds by then; it takes an `admin` invitation
 * (which only an administrator or the operator can create) or an administrator actor.
 */
export class InvitationRoleAssignmentPolicy implements RoleAssignmentPolicy {
  private readonly selfServiceRoles: readonly Role[];

  constructor(
    private readonly deps: {
      readonly invitations: InvitationStore;
      readonly roles: readonly Role[];
      readonly selfServiceRoles: readonly Role[];
    },
  ) {
    if (deps.selfServiceRoles.includes(ADMIN_ROLE)) {
      throw new ConfigurationError(`"${ADMIN_ROLE}" cannot be a self-service role.`);
    }
    // A copy: the list the caller passed cannot be changed afterwards to open a role.
    this.selfServiceRoles = Object.freeze([...deps.selfServiceRoles]);
  }

  async authorize(request: RoleAssignmentRequest): Promise<RoleGrant> {
    const role = request.requestedRole;
    if (role === GUEST_ROLE) throw new RoleNotAllowedError(role, 'reserved_role');
    if (!this.deps.roles.includes(role)) throw new RoleNotAllowedError(role, 'unknown_role');
    if (request.actor?.isAdministrator === true) return { role, via: 'administrator', rollback: NOTHING_TO_UNDO };
    if (request.invitationCode !== undefined) {
      // A code that is offered is always checked, even for an open role: a code silently ignored would hide a
      // mistake (a seller invitation used while registering as shopper) from the user.
      const code = request.invitationCode;
      if (!isSecretTokenShape(code, INVITATION_CODE_PREFIX)) throw new RoleNotAllowedError(role, 'invitation_invalid');
      const codeHash = digestSecretToken(code);
      if (!(await this.deps.invitations.consume(codeHash, role, request.now))) {
        throw new RoleNotAllowedError(role, 'invitation_invalid');
      }
      return { role, via: 'invitation', rollback: () => this.deps.invitations.release(codeHash) };
    }
    if (role !== ADMIN_ROLE && this.selfServiceRoles.includes(role)) {
      return { role, via: 'self', rollback: NOTHING_TO_UNDO };
    }
    throw new RoleNotAllowedError(role, 'invitation_required');
  }
}
