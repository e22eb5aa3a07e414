import { usernameThrottleKey } from '../domain/throttle.js';
import type { UserRecord } from '../domain/user.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';

export interface RemoveAccountDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly accountTokens: AccountTokenStore;
  readonly broker: IdentityBroker;
  readonly messages?: MessageSender;
  readonly events: EventSink;
}

/**
 * Removes an account and everything stored with it; shared by the user's own deletion (`DeleteAccount`) and an
 * administrator's (`AdministerUsers.deleteUser`). Sessions are revoked first, so nothing can refresh while the rest is
 * removed; then the Cognito identity (UnlinkDeveloperIdentity, then DeleteIdentities), the reset and verification
 * tokens, the session records (last but one, before the user record, so an interrupted run is found again and
 * finished by the next call), the user with its username and email, and the throttle state keyed by the username.
 * Every step tolerates what an earlier, interrupted run already removed. Then the `account-deleted` notice (a failed
 * send is ignored: the account is gone either way) and the `AccountDeleted` event.
 */
export async function removeAccount(deps: RemoveAccountDependencies, user: UserRecord, now: Date): Promise<void> {
  await deps.refreshTokens.revokeAllForUser(user.id);
  if (user.identityId !== null) {
    await deps.broker.removeIdentity({ developerUserId: user.id, identityId: user.identityId });
  }
  await deps.accountTokens.deleteAllForUser(user.id);
  await deps.refreshTokens.deleteAllForUser(user.id);
  await deps.users.delete(user.id);
  await deps.loginAttempts.reset(usernameThrottleKey(user.username));
  if (user.email && deps.messages) {
    await deps.messages
      .send({ kind: 'account-deleted', to: user.email, username: user.username, at: now })
      .catch(() => undefined);
  }
  publishSafely(deps.events, { type: 'AccountDeleted', at: now, userId: user.id });
}
