import { mintAccountToken } from '../domain/account-token.js';
import type { DevauthConfig } from '../domain/config.js';
import { ConfigurationError, ValidationError } from '../domain/errors.js';
import { type PasswordResetRequestInput, passwordResetRequestSchema } from '../domain/schemas.js';
import { throttleAddress } from '../domain/source-address.js';
import { passwordResetAccountKey, passwordResetAddressKey, passwordResetEmailKey } from '../domain/throttle.js';
import type { UserRecord } from '../domain/user.js';
import { canonicalizeEmail, canonicalizeUsername, USERNAME_PROBLEM_MESSAGES } from '../domain/username.js';
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
 * Forgotten password: asks for a reset of the account with this username or verified email address. The answer is the same whether or not the
 * account exists, is disabled or has an email address: the use case returns nothing, and the request takes at least
 * `passwordResetResponseFloorMs`, so a stored token and a sent message do not show in the timing. A failure to send
 * is not reported either (it is an event): the token is spent at once, so none is left usable, and the user can ask
 * again. Throttled per account and per source address (`passwordResetRateLimit`), counted before any lookup.
 *
 * When the account is active and has a verified email address (or any address, with
 * `passwordResetToUnverifiedEmail`), a single-use token (256 bits, stored as a digest, valid for
 * `passwordResetTtlSeconds`) replaces any earlier one and is sent in a `password-reset` message.
 *
 * By email address (the identifier has `@`; usernames never do) only a verified address names its account, and the
 * lookup comes first so the request counts on that account's key (a username and an address share one budget);
 * an unknown address counts on its own key. The floor hides the order.
 */
export class RequestPasswordReset {
  constructor(
    private readonly deps: RequestPasswordResetDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: PasswordResetRequestInput | unknown, context: ResetRequestContext = {}): Promise<void> {
    const request = parseInput(passwordResetRequestSchema, input);
    const identifier = parseIdentifier(request.username);
    const messages = this.deps.messages;
    if (!messages) throw new ConfigurationError('Password reset needs a MessageSender (messages).');
    const elapsed = this.deps.elapsedClock ?? (() => performance.now());
    const started = elapsed();
    const now = this.deps.clock.now();
    const addressKeys = context.sourceAddress ? [passwordResetAddressKey(throttleAddress(context.sourceAddress))] : [];
    const reserve = (accountKey: string) =>
      reserveAttempts(
        this.deps.loginAttempts,
        [accountKey, ...addressKeys].map((key) => ({ key, policy: this.config.passwordResetRateLimit })),
        now,
      );
    try {
      let user: UserRecord | null;
      if (identifier.kind === 'username') {
        await reserve(passwordResetAccountKey(identifier.value));
        user = await this.deps.users.findByUsername(identifier.value);
      } else {
        const found = await this.deps.users.findByEmail(identifier.value);
        user = found?.emailVerified ? found : null;
        await reserve(user ? passwordResetAccountKey(user.username) : passwordResetEmailKey(identifier.value));
      }
      if (
        user?.status !== 'active' ||
        !user.email ||
        !(user.emailVerified || this.config.passwordResetToUnverifiedEmail)
      ) {
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

function parseIdentifier(value: string): { readonly kind: 'username' | 'email'; readonly value: string } {
  if (value.includes('@')) {
    const email = canonicalizeEmail(value);
    if (email === null) {
      throw ValidationError.single('username', 'invalid_email', 'must be a username or a valid email address');
    }
    return { kind: 'email', value: email };
  }
  const username = canonicalizeUsername(value);
  if (!username.ok)
    throw ValidationError.single('username', username.problem, USERNAME_PROBLEM_MESSAGES[username.problem]);
  return { kind: 'username', value: username.value };
}
