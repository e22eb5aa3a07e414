import type { DevauthConfig } from '../domain/config.js';
import { checkPasswordBounds } from '../domain/password-policy.js';
import { type DeleteAccountInput, deleteAccountInputSchema } from '../domain/schemas.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import type { SignedInContext } from './change-password.use-case.js';
import { confirmPassword } from './confirm-password.js';
import { removeAccount } from './remove-account.js';

export interface DeleteAccountDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly accountTokens: AccountTokenStore;
  readonly hasher: PasswordHasher;
  readonly broker: IdentityBroker;
  readonly messages?: MessageSender;
  readonly clock: Clock;
  readonly events: EventSink;
}

/**
 * Deletes the signed-in user's account after the password is given again (checked and throttled like a login), with
 * `removeAccount` (shared with an administrator's deletion): every session, the Cognito identity
 * (UnlinkDeveloperIdentity, then DeleteIdentities), the user's reset and verification tokens, the user record with
 * its username and email, and the throttle state keyed by the username, in an order that lets an interrupted run be
 * finished by the next call. Idempotent: every step tolerates what an earlier, interrupted run already removed, and a
 * user already gone is `{ deleted: false }`.
 */
export class DeleteAccount {
  constructor(
    private readonly deps: DeleteAccountDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: DeleteAccountInput | unknown, context: SignedInContext): Promise<{ deleted: boolean }> {
    const request = parseInput(deleteAccountInputSchema, input);
    const password = checkPasswordBounds(request.password, this.config.passwordPolicy);
    const now = this.deps.clock.now();
    const user = await this.deps.users.findById(context.userId);
    if (!user) return { deleted: false };
    await confirmPassword(this.deps, user, password, {
      now,
      sourceAddress: context.sourceAddress,
      policy: this.config.throttle,
    });
    await removeAccount(this.deps, user, now);
    return { deleted: true };
  }
}
