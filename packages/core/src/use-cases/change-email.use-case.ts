import type { DevauthConfig } from '../domain/config.js';
import {
  AccountDisabledError,
  ConfigurationError,
  EmailTakenError,
  UpstreamUnavailableError,
  UserNotFoundError,
  ValidationError,
} from '../domain/errors.js';
import { checkPasswordBounds } from '../domain/password-policy.js';
import { type ChangeEmailInput, changeEmailInputSchema } from '../domain/schemas.js';
import type { UserRecord } from '../domain/user.js';
import { canonicalizeEmail } from '../domain/username.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import type { SignedInContext } from './change-password.use-case.js';
import { confirmPassword } from './confirm-password.js';
import { sendEmailVerification } from './send-email-verification.js';

export interface ChangeEmailDependencies {
  readonly users: UserStore;
  readonly accountTokens: AccountTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly hasher: PasswordHasher;
  readonly messages?: MessageSender;
  readonly clock: Clock;
  readonly events: EventSink;
}

export interface EmailVerificationSent {
  /** The address the verification message went to. */
  readonly sentTo: string;
}

function requireSender(messages: MessageSender | undefined): MessageSender {
  if (!messages) throw new ConfigurationError('Email verification needs a MessageSender (messages).');
  return messages;
}

/** A verification the user asked for whose message did not go out: nothing usable is left, ask again (503). */
function undelivered(): UpstreamUnavailableError {
  return new UpstreamUnavailableError('message delivery', 5, { notApplied: true });
}

/**
 * Change of email address for a signed-in user: the password again (throttled like a login: the address is how an
 * account is recovered), then a verification message to the new address. The stored address changes only when that
 * message's link is followed (VerifyEmail); until then the old address stays, verified or not, and keeps receiving
 * resets. A new request replaces the pending one. An address another account holds answers EMAIL_TAKEN (the caller
 * proved the password; registration tells the same). Asking for the current, unverified address resends its
 * verification.
 */
export class ChangeEmail {
  constructor(
    private readonly deps: ChangeEmailDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: ChangeEmailInput | unknown, context: SignedInContext): Promise<EmailVerificationSent> {
    const request = parseInput(changeEmailInputSchema, input);
    const password = checkPasswordBounds(request.password, this.config.passwordPolicy);
    const newEmail = canonicalizeEmail(request.newEmail);
    if (newEmail === null) {
      throw ValidationError.single(
        'newEmail',
        'invalid_email',
        'must be a valid email address of at most 254 characters',
      );
    }
    const messages = requireSender(this.deps.messages);
    const now = this.deps.clock.now();
    const user = await activeUser(this.deps.users, context.userId);
    if (user.email === newEmail && user.emailVerified) {
      throw ValidationError.single('newEmail', 'same_as_current', 'is already the verified address of the account');
    }
    await confirmPassword(this.deps, user, password, {
      now,
      sourceAddress: context.sourceAddress,
      policy: this.config.throttle,
    });
    const holder = await this.deps.users.findByEmail(newEmail);
    if (holder && holder.id !== user.id) throw new EmailTakenError();
    const reason = user.email === newEmail ? 'resend' : 'email_change';
    const delivered = await sendEmailVerification({ ...this.deps, messages }, this.config, {
      user,
      email: newEmail,
      reason,
      now,
      rateLimited: true,
    });
    if (!delivered) throw undelivered();
    return { sentTo: newEmail };
  }
}

/**
 * A new verification message to the signed-in user's current address (the first one expired or never arrived).
 * Counted per account (`emailVerificationRateLimit`). An address already verified is not mailed again.
 */
export class ResendEmailVerification {
  constructor(
    private readonly deps: Omit<ChangeEmailDependencies, 'hasher'>,
    private readonly config: DevauthConfig,
  ) {}

  async execute(context: SignedInContext): Promise<EmailVerificationSent | { readonly alreadyVerified: true }> {
    const messages = requireSender(this.deps.messages);
    const now = this.deps.clock.now();
    const user = await activeUser(this.deps.users, context.userId);
    if (!user.email) {
      throw ValidationError.single('email', 'missing', 'the account has no email address: add one with a change');
    }
    if (user.emailVerified) return { alreadyVerified: true };
    const delivered = await sendEmailVerification({ ...this.deps, messages }, this.config, {
      user,
      email: user.email,
      reason: 'resend',
      now,
      rateLimited: true,
    });
    if (!delivered) throw undelivered();
    return { sentTo: user.email };
  }
}

async function activeUser(users: UserStore, userId: string): Promise<UserRecord> {
  const user = await users.findById(userId);
  if (!user) throw new UserNotFoundError();
  if (user.status !== 'active') throw new AccountDisabledError();
  return user;
}
