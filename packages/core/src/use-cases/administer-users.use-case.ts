import * as z from 'zod';
import type { DevauthConfig } from '../domain/config.js';
import {
  AdminRequiredError,
  AdminSelfChangeError,
  InvitationNotFoundError,
  UserNotFoundError,
  ValidationError,
} from '../domain/errors.js';
import type { AdminActionName } from '../domain/events.js';
import { type InvitationSummary, toInvitationSummary } from '../domain/invitation.js';
import { ADMIN_ROLE, type Role } from '../domain/role.js';
import {
  adminCreateInvitationInputSchema,
  adminListInvitationsInputSchema,
  adminListUsersInputSchema,
} from '../domain/schemas.js';
import { digestSecretToken } from '../domain/secret-token.js';
import { type PublicUser, toPublicUser, type UserRecord, type UserStatus } from '../domain/user.js';
import { canonicalizeEmail, canonicalizeUsernamePrefix, USERNAME_PROBLEM_MESSAGES } from '../domain/username.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { InvitationStore } from '../ports/invitation-store.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserListQuery, UserStore } from '../ports/user-store.port.js';
import {
  type AdminActionDetails,
  type AdminActor,
  type AuthorizedAdmin,
  auditAdminAction,
  authorizeAdmin,
  isSelf,
} from './admin-access.js';
import { unwrapCursor, wrapCursor } from './admin-cursor.js';
import type { ChangeUserAccess } from './change-user-access.use-case.js';
import type { CreateInvitation, Invitation } from './create-invitation.use-case.js';
import { removeAccount } from './remove-account.js';
import type { RevokeUserAccess } from './revoke-user-access.use-case.js';

export interface AdministerUsersDependencies {
  readonly users: UserStore;
  readonly invitations: InvitationStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly accountTokens: AccountTokenStore;
  readonly broker: IdentityBroker;
  /** Where the `account-deleted` notice of a deleted user goes (none without it). */
  readonly messages?: MessageSender;
  readonly revokeAccess: RevokeUserAccess;
  readonly userAccess: ChangeUserAccess;
  readonly createInvitation: CreateInvitation;
  readonly clock: Clock;
  readonly events: EventSink;
}

/** Users or invitations per page when the request names no `limit` (at most USER_PAGE_LIMIT). */
export const ADMIN_DEFAULT_PAGE_SIZE = 50;
/**
 * Store reads one `listUsers` call makes at most to fill its page: a store that filters after reading (DynamoDB)
 * may answer short or empty pages; the caller follows `nextCursor` either way.
 */
const MAX_STORE_READS_PER_PAGE = 4;

export interface UserListPage {
  readonly users: PublicUser[];
  /** Pass it back as `cursor` (with the same filters) for the next page; null at the end. */
  readonly nextCursor: string | null;
}

export interface InvitationListPage {
  readonly invitations: InvitationSummary[];
  readonly nextCursor: string | null;
}

/**
 * Ids devauth makes are UUIDs; any id a store holds is printable. A control character (NUL above all, which
 * PostgreSQL cannot hold in text: SQLSTATE 22021) is refused as input here, before any store is asked.
 */
const userIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
const roleSchema = z.string().min(1).max(64);
const statusSchema = z.enum(['active', 'disabled']);
const invitationIdSchema = z.string().min(1).max(128);
/** The shape of every invitation id: a base64url SHA-256 digest. */
const INVITATION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * User administration, for the admin HTTP routes and the operator CLI. Every method takes the actor first and
 * authorizes it in the core (see {@link AdminActor}: a user must be, at the time of the call, an existing active
 * `admin`; the operator is trusted), before it looks at its input; anything else is AdminRequiredError.
 *
 * - Changes that lower access go through the revocation every other path uses: a role change or a disabling is
 *   written, then the user's sessions are revoked and its Cognito login unlinked (`ChangeUserAccess`,
 *   `RevokeUserAccess`); deletion removes what the user's own account deletion removes (`removeAccount`).
 * - Lock-out protection: an administrator cannot change their own role, disable or delete their own account
 *   (AdminSelfChangeError); another administrator or the operator can. Revoking one's own sessions is allowed.
 * - Listings hand out cursors bound to their filter (a cursor replayed with other filters is a ValidationError on
 *   `cursor`). Filters are canonicalized as registration canonicalizes usernames and addresses.
 * - Each completed operation is recorded as an `AdminAction` event (ids and outcomes, never a username, address,
 *   hash, code or filter value); a refused caller as `AdminAccessDenied`.
 */
export class AdministerUsers {
  constructor(
    private readonly deps: AdministerUsersDependencies,
    private readonly config: DevauthConfig,
  ) {}

  /** Users in username order, filtered (AND): `{ usernamePrefix?, email?, role?, status?, cursor?, limit? }`. */
  async listUsers(actor: AdminActor, input: unknown): Promise<UserListPage> {
    const admin = await this.authorize(actor, 'list_users');
    const request = parseInput(adminListUsersInputSchema, input);
    const filter = this.userFilter(request);
    const binding = [filter.usernamePrefix, filter.email, filter.role, filter.status];
    const limit = request.limit ?? ADMIN_DEFAULT_PAGE_SIZE;
    let after = request.cursor === undefined ? undefined : unwrapCursor('users', binding, request.cursor);
    const users: UserRecord[] = [];
    let next: string | null = null;
    for (let reads = 0; reads < MAX_STORE_READS_PER_PAGE && users.length < limit; reads++) {
      const page = await this.deps.users.list({ ...filter, limit: limit - users.length, ...(after ? { after } : {}) });
      users.push(...page.users);
      next = page.nextCursor;
      if (next === null) break;
      after = next;
    }
    this.audit(admin, 'list_users', { count: users.length });
    return { users: users.map(toPublicUser), nextCursor: wrapCursor('users', binding, next) };
  }

  async getUser(actor: AdminActor, userId: string): Promise<PublicUser> {
    const admin = await this.authorize(actor, 'get_user');
    const user = await this.findUser(userId);
    this.audit(admin, 'get_user', { targetUserId: user.id });
    return toPublicUser(user);
  }

  /** Any configured role; a change revokes the user's access (its credentials carry the old role tag). */
  async setRole(actor: AdminActor, userId: string, role: Role): Promise<PublicUser> {
    const admin = await this.authorize(actor, 'set_role');
    const id = parseField('userId', userIdSchema, userId);
    const wanted = parseField('role', roleSchema, role);
    if (isSelf(admin, id) && wanted !== ADMIN_ROLE) throw new AdminSelfChangeError('set_role');
    const change = await this.deps.userAccess.changeRole(id, wanted);
    this.audit(admin, 'set_role', {
      targetUserId: id,
      ...(change.changed ? { changes: { role: { from: change.previous.role, to: change.user.role } } } : {}),
    });
    return change.user;
  }

  /** `disabled` revokes the user's access at once; `active` enables it again. */
  async setStatus(actor: AdminActor, userId: string, status: UserStatus): Promise<PublicUser> {
    const admin = await this.authorize(actor, 'set_status');
    const id = parseField('userId', userIdSchema, userId);
    const wanted = parseField('status', statusSchema, status);
    if (isSelf(admin, id) && wanted !== 'active') throw new AdminSelfChangeError('set_status');
    const change = await this.deps.userAccess.changeStatus(id, wanted);
    this.audit(admin, 'set_status', {
      targetUserId: id,
      ...(change.changed ? { changes: { status: { from: change.previous.status, to: change.user.status } } } : {}),
    });
    return change.user;
  }

  /** Deletes the account and everything stored with it, as the user's own deletion does. Unknown: USER_NOT_FOUND. */
  async deleteUser(actor: AdminActor, userId: string): Promise<void> {
    const admin = await this.authorize(actor, 'delete_user');
    const id = parseField('userId', userIdSchema, userId);
    if (isSelf(admin, id)) throw new AdminSelfChangeError('delete_user');
    const user = await this.findUser(id);
    await removeAccount(this.deps, user, this.deps.clock.now());
    this.audit(admin, 'delete_user', { targetUserId: user.id });
  }

  /** Ends every session of the user and unlinks its Cognito login (its next login links it again). */
  async revokeSessions(actor: AdminActor, userId: string): Promise<{ revokedSessions: number }> {
    const admin = await this.authorize(actor, 'revoke_sessions');
    const id = parseField('userId', userIdSchema, userId);
    const result = await this.deps.revokeAccess.execute(id, 'requested');
    this.audit(admin, 'revoke_sessions', { targetUserId: id, revokedSessions: result.revokedSessions });
    return result;
  }

  /**
   * `{ role, ttlSeconds? }`: a single-use invitation, its code shown this once. An `admin` invitation only for an
   * administrator or the operator (which every caller that got this far is: the rule is checked all the same).
   */
  async createInvitation(actor: AdminActor, input: unknown): Promise<Invitation & { id: string }> {
    const admin = await this.authorize(actor, 'create_invitation');
    const request = parseInput(adminCreateInvitationInputSchema, input);
    if (request.role === ADMIN_ROLE && !isAdministrator(admin)) throw new AdminRequiredError();
    const invitation = await this.deps.createInvitation.execute({
      role: request.role,
      ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }),
    });
    // The id is the stored digest of the code (see InvitationSummary): it reveals nothing of the code.
    const id = digestSecretToken(invitation.code);
    this.audit(admin, 'create_invitation', { invitationId: id, role: invitation.role });
    return { ...invitation, id };
  }

  /** `{ cursor?, limit? }`: invitations newest first, used and expired ones included; never a code. */
  async listInvitations(actor: AdminActor, input: unknown): Promise<InvitationListPage> {
    const admin = await this.authorize(actor, 'list_invitations');
    const request = parseInput(adminListInvitationsInputSchema, input);
    const after = request.cursor === undefined ? undefined : unwrapCursor('invitations', [], request.cursor);
    const page = await this.deps.invitations.list({
      limit: request.limit ?? ADMIN_DEFAULT_PAGE_SIZE,
      ...(after ? { after } : {}),
    });
    const now = this.deps.clock.now();
    this.audit(admin, 'list_invitations', { count: page.invitations.length });
    return {
      invitations: page.invitations.map((record) => toInvitationSummary(record, now)),
      nextCursor: wrapCursor('invitations', [], page.nextCursor),
    };
  }

  /** Revokes an invitation (its `id` from listInvitations or createInvitation). Unknown: INVITATION_NOT_FOUND. */
  async revokeInvitation(actor: AdminActor, id: string): Promise<void> {
    const admin = await this.authorize(actor, 'revoke_invitation');
    const invitationId = parseField('id', invitationIdSchema, id);
    if (!INVITATION_ID.test(invitationId) || !(await this.deps.invitations.revoke(invitationId))) {
      throw new InvitationNotFoundError();
    }
    this.audit(admin, 'revoke_invitation', { invitationId });
  }

  private authorize(actor: AdminActor, action: AdminActionName): Promise<AuthorizedAdmin> {
    return authorizeAdmin(this.deps, actor, action);
  }

  private audit(admin: AuthorizedAdmin, action: AdminActionName, details?: AdminActionDetails): void {
    auditAdminAction(this.deps, admin, action, details);
  }

  private async findUser(userId: string): Promise<UserRecord> {
    const user = await this.deps.users.findById(parseField('userId', userIdSchema, userId));
    if (!user) throw new UserNotFoundError();
    return user;
  }

  private userFilter(request: z.output<typeof adminListUsersInputSchema>): Omit<UserListQuery, 'after' | 'limit'> {
    const filter: { usernamePrefix?: string; email?: string; role?: Role; status?: UserStatus } = {};
    if (request.usernamePrefix !== undefined) {
      const prefix = canonicalizeUsernamePrefix(request.usernamePrefix);
      if (!prefix.ok) {
        const message =
          prefix.problem === 'too_short' ? 'must not be empty' : USERNAME_PROBLEM_MESSAGES[prefix.problem];
        throw ValidationError.single('usernamePrefix', prefix.problem, message);
      }
      filter.usernamePrefix = prefix.value;
    }
    if (request.email !== undefined) {
      const email = canonicalizeEmail(request.email);
      if (email === null) {
        throw ValidationError.single(
          'email',
          'invalid_email',
          'must be a valid email address of at most 254 characters',
        );
      }
      filter.email = email;
    }
    if (request.role !== undefined) {
      if (!this.config.roles.includes(request.role)) {
        throw ValidationError.single('role', 'unknown_role', 'is not a configured role');
      }
      filter.role = request.role;
    }
    if (request.status !== undefined) filter.status = request.status;
    return filter;
  }
}

function isAdministrator(admin: AuthorizedAdmin): boolean {
  return admin.ref.kind === 'operator' || admin.user?.role === ADMIN_ROLE;
}

/** A single value checked with `schema`, its issues reported under `field`. */
function parseField<T extends z.ZodType>(field: string, schema: T, value: unknown): z.output<T> {
  try {
    return parseInput(schema, value);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: [field, ...issue.path] })));
  }
}
