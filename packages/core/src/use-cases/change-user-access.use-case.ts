import type { DevauthConfig } from '../domain/config.js';
import { RoleNotAllowedError, UserNotFoundError, VersionConflictError } from '../domain/errors.js';
import type { Role } from '../domain/role.js';
import { nextVersion, type PublicUser, toPublicUser, type UserRecord, type UserStatus } from '../domain/user.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';
import type { RevokeUserAccess } from './revoke-user-access.use-case.js';

export interface ChangeUserAccessDependencies {
  readonly users: UserStore;
  readonly revokeAccess: RevokeUserAccess;
  readonly clock: Clock;
  readonly events: EventSink;
}

/** What a status or role change did: the user after it, before it, and whether it wrote anything. */
export interface AccessChange {
  readonly user: PublicUser;
  readonly previous: PublicUser;
  readonly changed: boolean;
}

/** Optimistic-concurrency retries against concurrent writers of the same user (a login storing its IdentityId). */
const WRITE_ATTEMPTS = 3;

/**
 * Status and role changes, for trusted server code (an operator tool, an admin route that authorized its caller).
 * A change that lowers access (disabling, or any role change: credentials already issued carry the old `role` tag)
 * is written first and then revokes the user's access, so the stored state is what every later login, refresh and
 * guard check sees. Enabling revokes nothing. Setting what is already set changes nothing and revokes nothing.
 */
export class ChangeUserAccess {
  constructor(
    private readonly deps: ChangeUserAccessDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async setStatus(userId: string, status: UserStatus): Promise<PublicUser> {
    return (await this.changeStatus(userId, status)).user;
  }

  async setRole(userId: string, role: Role): Promise<PublicUser> {
    return (await this.changeRole(userId, role)).user;
  }

  /** `setStatus`, also answering what the user was before (for an audit record) and whether anything changed. */
  async changeStatus(userId: string, status: UserStatus): Promise<AccessChange> {
    const change = await this.write(userId, (current) => (current.status === status ? null : { status }));
    if (change.changed && status !== 'active') await this.deps.revokeAccess.execute(userId, 'disabled');
    return change;
  }

  /** `setRole`, also answering what the user was before (for an audit record) and whether anything changed. */
  async changeRole(userId: string, role: Role): Promise<AccessChange> {
    if (!this.config.roles.includes(role)) throw new RoleNotAllowedError(role, 'unknown_role');
    const change = await this.write(userId, (current) => (current.role === role ? null : { role }));
    if (change.changed) await this.deps.revokeAccess.execute(userId, 'role_changed');
    return change;
  }

  private async write(
    userId: string,
    change: (current: UserRecord) => Partial<Pick<UserRecord, 'status' | 'role'>> | null,
  ): Promise<AccessChange> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.deps.users.findById(userId);
      if (!current) throw new UserNotFoundError();
      const changes = change(current);
      const previous = toPublicUser(current);
      if (changes === null) return { user: previous, previous, changed: false };
      const now = this.deps.clock.now();
      const next = nextVersion(current, changes, now);
      try {
        await this.deps.users.update(next);
      } catch (error) {
        if (error instanceof VersionConflictError && attempt < WRITE_ATTEMPTS) continue;
        throw error;
      }
      publishSafely(this.deps.events, {
        type: 'UserAccessChanged',
        at: now,
        userId: current.id,
        ...(changes.status ? { status: changes.status } : {}),
        ...(changes.role ? { role: changes.role } : {}),
      });
      return { user: toPublicUser(next), previous, changed: true };
    }
  }
}
