import { ACCOUNT_TOKEN_PREFIXES } from '../domain/account-token.js';
import type { DevauthConfig } from '../domain/config.js';
import { AccountTokenInvalidError } from '../domain/errors.js';
import { type CommonPasswordList, checkPasswordBounds } from '../domain/password-policy.js';
import { type PasswordResetCompletionInput, passwordResetCompletionSchema } from '../domain/schemas.js';
import { digestSecretToken, isSecretTokenShape } from '../domain/secret-token.js';
import { usernameThrottleKey } from '../domain/throttle.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { checkReplacementPassword, storePasswordHash } from './new-password.js';
import { publishSafely } from './publish.js';
import type { RevokeUserAccess } from './revoke-user-access.use-case.js';

export interface CompletePasswordResetDependencies {
  readonly users: UserStore;
  readonly accountTokens: AccountTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly hasher: PasswordHasher;
  readonly commonPasswords: CommonPasswordList;
  readonly revokeAccess: RevokeUserAccess;
  readonly messages?: MessageSender;
  readonly clock: Clock;
  readonly events: EventSink;
}

/**
 * Completes a password reset with the token from the message: the token is spent (single use, atomically), the new
 * password must pass the full policy (if it does not, the token is given back so the user can choose another), and
 * is stored with the current hashing parameters. Then every session and the Cognito link are revoked
 * (RevokeUserAccess: whoever held the account must lose it), the account's login throttle is lifted, and a
 * notification is sent when possible. An unknown, spent, replaced, expired or malformed token gets one answer.
 */
export class CompletePasswordReset {
  constructor(
    private readonly deps: CompletePasswordResetDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: PasswordResetCompletionInput | unknown): Promise<void> {
    const request = parseInput(passwordResetCompletionSchema, input);
    // Bounds first: an over-long password is refused before any store work, whatever the token.
    checkPasswordBounds(request.newPassword, this.config.passwordPolicy, 'newPassword');
    if (!isSecretTokenShape(request.token, ACCOUNT_TOKEN_PREFIXES['password-reset'])) {
      throw new AccountTokenInvalidError();
    }
    const now = this.deps.clock.now();
    const record = await this.deps.accountTokens.consume(digestSecretToken(request.token), 'password-reset', now);
    if (!record) throw new AccountTokenInvalidError();
    const user = await this.deps.users.findById(record.userId);
    if (!user) throw new AccountTokenInvalidError();
    let password: string;
    try {
      password = await checkReplacementPassword(request.newPassword, user, this.config, this.deps.commonPasswords);
    } catch (error) {
      // Refused by the policy: the token goes back, so the link in the message still works for a better password.
      await this.deps.accountTokens.issue(record).catch(() => undefined);
      throw error;
    }
    const updated = await storePasswordHash(this.deps.users, user, await this.deps.hasher.hash(password), now);
    await this.deps.revokeAccess.execute(updated.id, 'password_reset');
    await this.deps.loginAttempts.reset(usernameThrottleKey(updated.username));
    if (updated.email && this.deps.messages) {
      await this.deps.messages
        .send({ kind: 'password-changed', to: updated.email, username: updated.username, at: now })
        .catch(() => undefined);
    }
    publishSafely(this.deps.events, { type: 'PasswordReset', at: now, userId: updated.id });
  }
}
