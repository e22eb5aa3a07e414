import type { DevauthConfig } from '../domain/config.js';
import {
  ConfigurationError,
  EmailTakenError,
  IdentityTakenError,
  UpstreamUnavailableError,
  UsernameTakenError,
  ValidationError,
} from '../domain/errors.js';
import { type CommonPasswordList, checkNewPassword, PASSWORD_NORMALIZATION } from '../domain/password-policy.js';
import { type RegisterInput, registerInputSchema } from '../domain/schemas.js';
import { throttleAddress } from '../domain/source-address.js';
import { registrationThrottleKey } from '../domain/throttle.js';
import { type PublicUser, toPublicUser, type UserRecord } from '../domain/user.js';
import { canonicalizeEmail, canonicalizeUsername, USERNAME_PROBLEM_MESSAGES } from '../domain/username.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdGenerator } from '../ports/id-generator.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { RoleAssignmentPolicy } from '../ports/role-assignment-policy.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';
import { reserveAttempts } from './reserve-attempts.js';
import { sendEmailVerification } from './send-email-verification.js';

export interface RegisterUserDependencies {
  readonly users: UserStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly hasher: PasswordHasher;
  readonly rolePolicy: RoleAssignmentPolicy;
  readonly commonPasswords: CommonPasswordList;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly events: EventSink;
  /** With both, a registration with an email address sends a verification message. */
  readonly accountTokens?: AccountTokenStore;
  readonly messages?: MessageSender;
}

/** Set only by trusted server code, never from a request body. */
export interface RegisterContext {
  readonly actor?: { readonly isAdministrator: boolean };
  /** The caller's address as the edge saw it: registrations per address are rate-limited (`registrationRateLimit`). */
  readonly sourceAddress?: string;
}

/**
 * Self-registration: validate, canonicalize, check the password policy, authorize the role, hash, store (username and
 * email unique, atomically), announce. The cheap checks all run before the one expensive step, the hash.
 *
 * With an email address (required when `requireVerifiedEmail` is on) and a MessageSender, the new user is sent a
 * verification message; the account exists either way, unverified until the link is followed. A failure to send it
 * does not undo the registration: the user asks for another message (`ResendEmailVerification`, or a refused login).
 */
export class RegisterUser {
  constructor(
    private readonly deps: RegisterUserDependencies,
    private readonly config: DevauthConfig,
  ) {}

  async execute(input: RegisterInput | unknown, context: RegisterContext = {}): Promise<PublicUser> {
    const request = parseInput(registerInputSchema, input);
    const username = canonicalizeUsername(request.username);
    if (!username.ok)
      throw ValidationError.single('username', username.problem, USERNAME_PROBLEM_MESSAGES[username.problem]);
    const email = request.email === undefined ? null : canonicalizeEmail(request.email);
    if (request.email !== undefined && email === null) {
      throw ValidationError.single('email', 'invalid_email', 'must be a valid email address of at most 254 characters');
    }
    const verification = this.verificationSender();
    if (this.config.requireVerifiedEmail && email === null) {
      throw ValidationError.single('email', 'required', 'is required: the address must be verified before login');
    }
    const password = await checkNewPassword(
      request.password,
      { username: username.value, email },
      this.config.passwordPolicy,
      this.deps.commonPasswords,
    );
    const now = this.deps.clock.now();
    // Before the role policy, so a refused request cannot burn an invitation; after the cheap checks, so malformed
    // requests cost the caller nothing either.
    if (context.sourceAddress) {
      const key = registrationThrottleKey(throttleAddress(context.sourceAddress));
      await reserveAttempts(this.deps.loginAttempts, [{ key, policy: this.config.registrationRateLimit }], now);
    }
    const grant = await this.deps.rolePolicy.authorize({
      requestedRole: request.role ?? this.config.defaultRole,
      invitationCode: request.invitationCode,
      actor: context.actor,
      now,
    });
    const user: UserRecord = {
      id: this.deps.ids.newId(),
      username: username.value,
      email,
      emailVerified: false,
      role: grant.role,
      passwordHash: '',
      passwordNormalization: PASSWORD_NORMALIZATION,
      identityId: null,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    let writeSent = false;
    try {
      const stored = { ...user, passwordHash: await this.deps.hasher.hash(password) };
      writeSent = true;
      await this.deps.users.create(stored);
      publishSafely(this.deps.events, { type: 'UserRegistered', at: now, userId: stored.id, role: stored.role });
    } catch (error) {
      // Give back an invitation only when the registration certainly did not happen, so the code is not burnt.
      // After an ambiguous failure (a timeout, a connection reset after the write went out) the user may exist:
      // releasing then would let the same code register a second account. A failed give-back must not hide why
      // the registration failed; the invitation then stays used.
      if (!writeSent || certainlyNotStored(error)) await grant.rollback().catch(() => undefined);
      throw error;
    }
    if (email !== null && verification) {
      // The user exists now: a store or transport failure here is reported as an undelivered message, not as a
      // failed registration (which the client would retry into USERNAME_TAKEN).
      await sendEmailVerification(verification, this.config, {
        user,
        email,
        reason: 'registered',
        now,
        rateLimited: false,
      }).catch(() => undefined);
    }
    return toPublicUser(user);
  }

  private verificationSender() {
    const { accountTokens, messages } = this.deps;
    if (accountTokens && messages) return { ...this.deps, accountTokens, messages };
    if (this.config.requireVerifiedEmail) {
      throw new ConfigurationError('requireVerifiedEmail needs a MessageSender (messages) and accountTokens.');
    }
    return undefined;
  }
}

/** Refusals the store answers before writing anything, and outages its adapter knows had no effect. */
function certainlyNotStored(error: unknown): boolean {
  if (error instanceof UsernameTakenError || error instanceof EmailTakenError) return true;
  if (error instanceof IdentityTakenError || error instanceof ValidationError) return true;
  return error instanceof UpstreamUnavailableError && error.notApplied;
}
