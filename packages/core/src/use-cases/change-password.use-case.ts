import type { DevauthConfig } from '../domain/config.js';
import { AccountDisabledError, UserNotFoundError, ValidationError } from '../domain/errors.js';
import {
  type CommonPasswordList,
  checkPasswordBounds,
  normalizePassword,
  PASSWORD_NORMALIZATION,
} from '../domain/password-policy.js';
import type { ClientHint } from '../domain/refresh-token.js';
import { type ChangePasswordInput, changePasswordInputSchema } from '../domain/schemas.js';
import { parseInput } from '../domain/validation.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdGenerator } from '../ports/id-generator.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { confirmPassword } from './confirm-password.js';
import type { SessionTokens } from './login.use-case.js';
import { checkReplacementPassword, storePasswordHash } from './new-password.js';
import { publishSafely } from './publish.js';
import { startSession } from './start-session.js';

export interface ChangePasswordDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly hasher: PasswordHasher;
  readonly broker: IdentityBroker;
  readonly commonPasswords: CommonPasswordList;
  /** Optional: without it no notification is sent. */
  readonly messages?: MessageSender;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly events: EventSink;
}

/** Who is asking, as the edge resolved it from the IAM identity API Gateway verified (never from the body). */
export interface SignedInContext {
  readonly userId: string;
  readonly sourceAddress?: string;
  /** The caller's client, for a session this call starts (a password change). */
  readonly clientHint?: ClientHint;
}

export interface PasswordChangeResult {
  /** How many sessions (refresh-token families) were signed out: all the user had. */
  readonly revokedSessions: number;
  /** A fresh session for the caller, who proved the password: the old refresh token no longer works. */
  readonly session: SessionTokens | null;
}

/**
 * Change password for a signed-in user: the current password (checked and throttled like a login), a new one under
 * the full policy and different from the current one, hashed with the current parameters. Every session of the user
 * is then revoked, including the caller's refresh token; the caller gets a new session in the answer, so "the
 * current one continues" as a new family. Credentials already issued to other devices live until they expire (at
 * most 1 h); the Cognito link is kept (the user's IdentityId, and data keyed by it, stay). A notification goes to
 * the user's email when there is one and a sender is configured; a failure to send does not undo the change.
 */
export class ChangePassword {
  constructor(
    private readonly deps: ChangePasswordDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: ChangePasswordInput | unknown, context: SignedInContext): Promise<PasswordChangeResult> {
    const request = parseInput(changePasswordInputSchema, input);
    // Both passwords are bounded before any lookup or hash: an over-long input costs nothing.
    const currentPassword = checkPasswordBounds(request.currentPassword, this.config.passwordPolicy, 'currentPassword');
    checkPasswordBounds(request.newPassword, this.config.passwordPolicy, 'newPassword');
    const now = this.deps.clock.now();
    const user = await this.deps.users.findById(context.userId);
    if (!user) throw new UserNotFoundError();
    if (user.status !== 'active') throw new AccountDisabledError();
    await confirmPassword(this.deps, user, currentPassword, {
      now,
      sourceAddress: context.sourceAddress,
      policy: this.config.throttle,
    });
    const password = await checkReplacementPassword(request.newPassword, user, this.config, this.deps.commonPasswords);
    if (password === normalizePassword(currentPassword, PASSWORD_NORMALIZATION)) {
      throw ValidationError.single('newPassword', 'same_as_current', 'must differ from the current password');
    }
    const passwordHash = await this.deps.hasher.hash(password);
    const updated = await storePasswordHash(this.deps.users, user, passwordHash, now);
    const revokedSessions = await this.deps.refreshTokens.revokeAllForUser(user.id);
    const session =
      updated.identityId === null
        ? null
        : await startSession(
            this.deps,
            { ...updated, identityId: updated.identityId },
            now,
            this.config,
            context.clientHint ?? null,
          );
    if (updated.email && this.deps.messages) {
      await this.deps.messages
        .send({ kind: 'password-changed', to: updated.email, username: updated.username, at: now })
        .catch(() => undefined);
    }
    publishSafely(this.deps.events, { type: 'PasswordChanged', at: now, userId: user.id, revokedSessions });
    return { revokedSessions, session };
  }
}
