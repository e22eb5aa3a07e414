import { ACCOUNT_TOKEN_PREFIXES } from '../domain/account-token.js';
import { AccountTokenInvalidError, VersionConflictError } from '../domain/errors.js';
import { type EmailVerificationInput, emailVerificationInputSchema } from '../domain/schemas.js';
import { digestSecretToken, isSecretTokenShape } from '../domain/secret-token.js';
import { nextVersion, type PublicUser, toPublicUser, type UserRecord } from '../domain/user.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';

export interface VerifyEmailDependencies {
  readonly users: UserStore;
  readonly accountTokens: AccountTokenStore;
  /** Optional: tells the previous address that it was replaced. */
  readonly messages?: MessageSender;
  readonly clock: Clock;
  readonly events: EventSink;
}

/**
 * Follows the link of a verification message (unauthenticated: it may be opened on another device). The token is
 * spent atomically and proves the address it was sent to: the user's current address becomes verified, or a new
 * address the user asked for replaces the old one, verified. Only then does the address change, so an account's
 * address is never one nobody confirmed. On a change, tokens mailed to the old address (a pending reset) stop
 * working and the old address is told. An unknown, spent, replaced, expired or malformed token gets one answer;
 * a new address another account took in the meantime answers EMAIL_TAKEN (the token is spent: ask again).
 */
export class VerifyEmail {
  constructor(private readonly deps: VerifyEmailDependencies) {}

  async execute(input: EmailVerificationInput | unknown): Promise<PublicUser> {
    const request = parseInput(emailVerificationInputSchema, input);
    if (!isSecretTokenShape(request.token, ACCOUNT_TOKEN_PREFIXES['email-verification'])) {
      throw new AccountTokenInvalidError();
    }
    const now = this.deps.clock.now();
    const record = await this.deps.accountTokens.consume(digestSecretToken(request.token), 'email-verification', now);
    if (!record?.email) throw new AccountTokenInvalidError();
    const email = record.email;
    let user = await this.deps.users.findById(record.userId);
    for (let attempt = 0; user; attempt++) {
      if (user.email === email && user.emailVerified) return toPublicUser(user);
      const next = nextVersion(user, { email, emailVerified: true }, now);
      try {
        await this.deps.users.update(next);
        await this.afterVerified(user, next, now);
        return toPublicUser(next);
      } catch (error) {
        // A concurrent write (a login storing its IdentityId) won the version race: apply on top of it.
        if (!(error instanceof VersionConflictError) || attempt >= 2) throw error;
        user = await this.deps.users.findById(record.userId);
      }
    }
    throw new AccountTokenInvalidError();
  }

  private async afterVerified(previous: UserRecord, next: UserRecord, now: Date): Promise<void> {
    const changed = previous.email !== next.email;
    if (changed) {
      // A reset link mailed to the old address must not outlive it; the verification token is spent already.
      await this.deps.accountTokens.deleteAllForUser(next.id).catch(() => undefined);
      if (previous.email && this.deps.messages) {
        await this.deps.messages
          .send({ kind: 'email-changed', to: previous.email, username: next.username, at: now })
          .catch(() => undefined);
      }
    }
    publishSafely(this.deps.events, { type: 'EmailVerified', at: now, userId: next.id, changed });
  }
}
