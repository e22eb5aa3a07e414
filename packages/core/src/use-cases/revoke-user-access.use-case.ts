import { UserNotFoundError, VersionConflictError } from '../domain/errors.js';
import { nextVersion, type UserRecord } from '../domain/user.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';

export interface RevokeUserAccessDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly broker: IdentityBroker;
  readonly clock: Clock;
  readonly events: EventSink;
}

export type AccessRevocationReason =
  | 'disabled'
  | 'role_changed'
  | 'deleted'
  | 'password_changed'
  | 'password_reset'
  | 'requested';

/**
 * The one operation that takes a user's access away: every refresh-token family of the user is revoked (so no
 * refresh can mint another OpenID token), then the developer login is unlinked from the Cognito identity
 * (UnlinkDeveloperIdentity), so nothing can obtain a new OpenID token or credentials for it without a new login,
 * which re-checks the password and the account's status and tags the current role. The stored IdentityId is then
 * cleared: Cognito gives an unlinked developer user a new identity on its next login (which the login stores), and
 * the guard stops resolving the old identity to the user at once. Key application data by the user id, not by the
 * IdentityId, if it must survive a revocation.
 *
 * The residual window, which no identity pool can close: AWS credentials already issued live until they expire (at
 * most 1 hour), and an OpenID token already issued can be exchanged for credentials until it expires
 * (`tokenDurationSeconds`, at most 15 minutes by default), so worst case about 1 h 15 min after this call. The
 * in-Lambda guard re-reads the user's status and role within its cache TTL (30 s by default), and refuses earlier.
 *
 * Every path that lowers access calls it (disable, role change, and deletion, password change and reset as they
 * arrive). Idempotent: revoking twice, or a user without an identity, is not an error.
 */
export class RevokeUserAccess {
  constructor(private readonly deps: RevokeUserAccessDependencies) {}

  async execute(userId: string, reason: AccessRevocationReason = 'requested'): Promise<{ revokedSessions: number }> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw new UserNotFoundError();
    // Sessions first: a refresh racing this call then fails its rotation instead of re-linking after the unlink.
    const revokedSessions = await this.deps.refreshTokens.revokeAllForUser(user.id);
    if (user.identityId !== null) {
      await this.deps.broker.unlinkUser({ developerUserId: user.id, identityId: user.identityId });
      await this.forgetIdentity(user);
    }
    publishSafely(this.deps.events, {
      type: 'AccessRevoked',
      at: this.deps.clock.now(),
      userId: user.id,
      reason,
      revokedSessions,
    });
    return { revokedSessions };
  }

  /** Clears the stored IdentityId, retrying once on a concurrent write; a user gone meanwhile needs nothing. */
  private async forgetIdentity(user: UserRecord): Promise<void> {
    let current: UserRecord | null = user;
    for (let attempt = 0; attempt < 3 && current?.identityId; attempt++) {
      try {
        await this.deps.users.update(nextVersion(current, { identityId: null }, this.deps.clock.now()));
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        current = await this.deps.users.findById(user.id);
      }
    }
  }
}
