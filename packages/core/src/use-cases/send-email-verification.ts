import { mintAccountToken } from '../domain/account-token.js';
import type { DevauthConfig } from '../domain/config.js';
import type { DomainEvent } from '../domain/events.js';
import { emailVerificationAccountKey } from '../domain/throttle.js';
import type { UserRecord } from '../domain/user.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import { publishSafely } from './publish.js';
import { reserveAttempts } from './reserve-attempts.js';

export interface SendEmailVerificationDependencies {
  readonly accountTokens: AccountTokenStore;
  readonly messages: MessageSender;
  readonly loginAttempts: LoginAttemptStore;
  readonly events: EventSink;
}

type Reason = Extract<DomainEvent, { type: 'EmailVerificationRequested' }>['reason'];

/**
 * Issues an email-verification token for `email` (the user's address, or the new one it asked for) and sends it
 * there. The token replaces any earlier verification token of the user, so only the newest link works. Counted per
 * account (`emailVerificationRateLimit`) unless `rateLimited` is false (a registration: its own limit applies);
 * over the limit it throws ThrottledError. A failed send spends the token at once, so none is left usable, and
 * resolves `false`: the user can ask again.
 */
export async function sendEmailVerification(
  deps: SendEmailVerificationDependencies,
  config: DevauthConfig,
  request: {
    readonly user: UserRecord;
    readonly email: string;
    readonly reason: Reason;
    readonly now: Date;
    readonly rateLimited: boolean;
  },
): Promise<boolean> {
  const { user, email, now } = request;
  if (request.rateLimited) {
    const key = emailVerificationAccountKey(user.id);
    await reserveAttempts(deps.loginAttempts, [{ key, policy: config.emailVerificationRateLimit }], now);
  }
  const minted = mintAccountToken({
    purpose: 'email-verification',
    userId: user.id,
    email,
    now,
    ttlSeconds: config.emailVerificationTtlSeconds,
  });
  await deps.accountTokens.issue(minted.record);
  let delivered = true;
  try {
    await deps.messages.send({
      kind: 'email-verification',
      to: email,
      username: user.username,
      token: minted.token,
      issuedAt: now,
      expiresAt: minted.record.expiresAt,
    });
  } catch {
    delivered = false;
    await deps.accountTokens.consume(minted.record.tokenHash, 'email-verification', now).catch(() => undefined);
  }
  publishSafely(deps.events, {
    type: 'EmailVerificationRequested',
    at: now,
    userId: user.id,
    reason: request.reason,
    delivered,
  });
  return delivered;
}
