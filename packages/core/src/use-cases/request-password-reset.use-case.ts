import { mintAccountToken } from '../domain/account-token.js';
import type { DevauthConfig } from '../domain/config.js';
import { ConfigurationError, ValidationError } from '../domain/errors.js';
import { type PasswordResetRequestInput, passwordResetRequestSchema } from '../domain/schemas.js';
import { throttleAddress } from '../domain/source-address.js';
import { passwordResetAccountKey, passwordResetAddressKey } from '../domain/throttle.js';
import { canonicalizeUsername, USERNAME_PROBLEM_MESSAGES } from '../domain/username.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';
import { reserveAttempts } from './reserve-attempts.js';

export interface RequestPasswordResetDependencies {
  readonly users: UserStore;
  readonly accountTokens: AccountTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly messages?: MessageSender;
  readonly clock: Clock;
  readonly events: EventSink;
  /** Waits `ms` milliseconds (the response floor). Default: a timer. */
  readonly wait?: (ms: number) => Promise<void>;
  /** A monotonic clock in milliseconds for the floor. Default `performance.now`. */
  readonly elapsedClock?: () => number;
}

export interface ResetRequestContext {
  readonly sourceAddress?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Forgotten password: asks for a reset of the account with this username. The answer is the same whether or not the
 * account exists, is disabled or has an email address: the use case returns nothing, and the request takes at least
 * `passwordResetResponseFloorMs`, so a stored token and a sent message do not show in the timing. A failure to send
 * is not reported either (it is an event): the token is spent at once, so none is left usable, and the user can ask
 * again. Throttled per account and per source address (`passwordResetRateLimit`), counted before any lookup.
 *
 * When the account is active and has an email address, a single-use token (256 bits, stored as a digest, valid for
 * `passwordResetTtlSeconds`) replaces any earlier one and is sent in a `password-reset` message.
 */
export class RequestPasswordReset {
  constructor(
    private readonly deps: RequestPasswordResetDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: PasswordResetRequestInput | unknown, context: ResetRequestContext = {}): Promise<void> {
    const request = parseInput(passwordResetRequestSchema, input);
    const username = canonicalizeUsername(request.username);
    if (!username.ok) {
      throw ValidationError.single('username', username.problem, USERNAME_PROBLEM_MESSAGES[username.problem]);
    }
    const messages = this.deps.messages;
    if (!messages) throw new ConfigurationError('Password reset needs a MessageSender (messages).');
    const elapsed = this.deps.elapsedClock ?? (() => performance.now());
    const started = elapsed();
    const now = this.deps.clock.now();
    const keys = [
      passwordResetAccountKey(username.value),
      ...(context.sourceAddress ? [passwordResetAddressKey(throttleAddress(context.sourceAddress))] : []),
    ].map((key) => ({ key, policy: this.config.passwordResetRateLimit }));
    await reserveAttempts(this.deps.loginAttempts, keys, now);
    try {
      const user = await this.deps.users.findByUsername(username.value);
      if (user?.status !== 'active' || !user.email) {
        publishSafely(this.deps.events, { type: 'PasswordResetRequested', at: now, userId: null, delivered: false });
        return;
      }
      const minted = mintAccountToken({
        purpose: 'password-reset',
        userId: user.id,
        now,
        ttlSeconds: this.config.passwordResetTtlSeconds,
      });
      await this.deps.accountTokens.issue(minted.record);
      let delivered = true;
      try {
        await messages.send({
          kind: 'password-reset',
          to: user.email,
          username: user.username,
          token: minted.token,
          issuedAt: now,
          expiresAt: minted.record.expiresAt,
        });
      } catch {
        // Nobody received it: spend it, so no usable token is left behind. The user may simply ask again.
        delivered = false;
        await this.deps.accountTokens.consume(minted.record.tokenHash, 'password-reset', now).catch(() => undefined);
      }
      publishSafely(this.deps.events, { type: 'PasswordResetRequested', at: now, userId: user.id, delivered });
    } finally {
      const remaining = this.config.passwordResetResponseFloorMs - (elapsed() - started);
      if (remaining > 0) await (this.deps.wait ?? sleep)(remaining);
    }
  }
}
