import { randomBytes } from 'node:crypto';
import type { DevauthConfig } from '../domain/config.js';
import {
  AccountDisabledError,
  EmailNotVerifiedError,
  InvalidCredentialsError,
  ThrottledError,
  ValidationError,
} from '../domain/errors.js';
import { GUEST_LINK_SECRET_PREFIX } from '../domain/guest-link.js';
import { checkPasswordBounds, normalizePassword, PASSWORD_NORMALIZATION } from '../domain/password-policy.js';
import { type ClientHint, mintRefreshToken } from '../domain/refresh-token.js';
import type { Role } from '../domain/role.js';
import { IDENTITY_ID_PATTERN, type LoginInput, loginInputSchema } from '../domain/schemas.js';
import { digestSecretToken, isSecretTokenShape } from '../domain/secret-token.js';
import { throttleAddress } from '../domain/source-address.js';
import { addressThrottleKey, emailThrottleKey, usernameThrottleKey } from '../domain/throttle.js';
import { isUnusablePasswordHash } from '../domain/unusable-password.js';
import { type PublicUser, toPublicUser, type UserRecord } from '../domain/user.js';
import { canonicalizeEmail, canonicalizeUsername, USERNAME_PROBLEM_MESSAGES } from '../domain/username.js';
import { parseInput } from '../domain/validation.js';
import type { AccountTokenStore } from '../ports/account-token-store.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { GuestLinkStore } from '../ports/guest-link-store.port.js';
import type { IdGenerator } from '../ports/id-generator.port.js';
import type { DeveloperToken, IdentityBroker } from '../ports/identity-broker.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { MessageSender } from '../ports/message-sender.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { rememberIdentityAndRehash } from './login-followups.js';
import { publishSafely } from './publish.js';
import { reserveAttempts } from './reserve-attempts.js';
import { sendEmailVerification } from './send-email-verification.js';

export interface LoginDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly guestLinks: GuestLinkStore;
  readonly hasher: PasswordHasher;
  readonly broker: IdentityBroker;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly events: EventSink;
  /** With both, a login refused for an unverified address (`requireVerifiedEmail`) sends a new verification. */
  readonly accountTokens?: AccountTokenStore;
  readonly messages?: MessageSender;
}

/** Facts the edge knows about the request, never taken from the body. */
export interface LoginContext {
  readonly sourceAddress?: string;
  /** How the session's owner will recognise it in the session list (coarse; see `clientHintOf` at the edge). */
  readonly clientHint?: ClientHint;
}

export interface SessionTokens {
  /** The Cognito IdentityId the OpenID token is for; a guest that logged in keeps its own. */
  readonly identityId: string;
  /** OpenID token for GetCredentialsForIdentity. */
  readonly openIdToken: string;
  readonly openIdTokenExpiresAt: Date;
  readonly role: Role;
  /** Opaque rotating refresh token; shown once, stored only as a digest. */
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date;
}

export interface LoginResult extends SessionTokens {
  readonly user: PublicUser;
}

/**
 * Login: validate, canonicalize, reserve a failure (throttle), look up, verify, refuse disabled accounts, upgrade the
 * stored hash, link a guest identity only with its guest link secret, exchange through the identity broker, start a
 * refresh-token family.
 *
 * Unknown users, wrong passwords and (by default) disabled accounts are indistinguishable: all cost one full
 * verification (unknown users against a dummy hash at the current parameters: the hasher's precomputed one, or else
 * one made on an instance's first login, which every first login waits for), all keep their reserved failure, all end in the same InvalidCredentialsError.
 * Throttled attempts cost no hashing at all.
 *
 * With `loginWithEmail`, an identifier with `@` (usernames never have one) is looked up as an email address, and
 * only a verified address names its account: an unknown or unverified address is an unknown user, with the same
 * cost and answer. That path looks the user up first and then reserves on the account's own throttle key (so a
 * username and an email do not give a guesser two budgets), the same two steps whether or not the address is known.
 *
 * With `requireVerifiedEmail`, a correct password for an account whose address is not verified answers
 * EMAIL_NOT_VERIFIED, settles the throttle like a success, and sends a new verification message.
 */
export class Login {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly deps: LoginDependencies,
    private readonly config: DevauthConfig,
  ) {}

  /** Computes the dummy hash now (e.g. during a Lambda's init phase) instead of on the first unknown-user login. */
  async warmUp(): Promise<void> {
    await this.getDummyHash();
  }

  async execute(input: LoginInput | unknown, context: LoginContext = {}): Promise<LoginResult> {
    const request = parseInput(loginInputSchema, input);
    const password = checkPasswordBounds(request.password, this.config.passwordPolicy);
    if (this.config.loginWithEmail && request.username.includes('@')) {
      return this.executeByEmail(request, password, context);
    }
    const username = canonicalizeUsername(request.username);
    if (!username.ok)
      throw ValidationError.single('username', username.problem, USERNAME_PROBLEM_MESSAGES[username.problem]);
    checkGuestIdentityId(request.guestIdentityId);

    const now = this.deps.clock.now();
    const userKey = usernameThrottleKey(username.value);
    const addressKey = context.sourceAddress ? addressThrottleKey(throttleAddress(context.sourceAddress)) : undefined;
    const keys = [userKey, ...(addressKey ? [addressKey] : [])].map((key) => ({ key, policy: this.config.throttle }));
    // The failure is reserved before the password is verified, so concurrent guesses cannot all pass a check made
    // before any of them was counted; a successful login gives its reservation back below.
    const [reservation, user] = await Promise.allSettled([
      reserveAttempts(this.deps.loginAttempts, keys, now),
      this.deps.users.findByUsername(username.value),
    ]);
    if (reservation.status === 'rejected') {
      if (reservation.reason instanceof ThrottledError) {
        const userId = user.status === 'fulfilled' ? (user.value?.id ?? null) : null;
        publishSafely(this.deps.events, { type: 'LoginFailed', at: now, reason: 'throttled', userId });
      }
      throw reservation.reason;
    }
    if (user.status === 'rejected') {
      // The lookup failed (a store outage): no attempt was made, so nothing should count against the caller.
      await Promise.all(keys.map(({ key }) => this.deps.loginAttempts.release(key))).catch(() => undefined);
      throw user.reason;
    }
    return this.verifyAndSignIn(user.value, password, request, {
      now,
      userKey,
      addressKey,
      clientHint: context.clientHint,
    });
  }

  private async executeByEmail(request: LoginInput, password: string, context: LoginContext): Promise<LoginResult> {
    const email = canonicalizeEmail(request.username);
    if (email === null) {
      throw ValidationError.single('username', 'invalid_email', 'must be a username or a valid email address');
    }
    checkGuestIdentityId(request.guestIdentityId);
    const now = this.deps.clock.now();
    // A lookup failure happens before anything is reserved, so an outage counts nothing against the caller.
    const found = await this.deps.users.findByEmail(email);
    const user = found?.emailVerified ? found : null;
    const userKey = user ? usernameThrottleKey(user.username) : emailThrottleKey(email);
    const addressKey = context.sourceAddress ? addressThrottleKey(throttleAddress(context.sourceAddress)) : undefined;
    const keys = [userKey, ...(addressKey ? [addressKey] : [])].map((key) => ({ key, policy: this.config.throttle }));
    try {
      await reserveAttempts(this.deps.loginAttempts, keys, now);
    } catch (error) {
      if (error instanceof ThrottledError) {
        publishSafely(this.deps.events, {
          type: 'LoginFailed',
          at: now,
          reason: 'throttled',
          userId: user?.id ?? null,
        });
      }
      throw error;
    }
    return this.verifyAndSignIn(user, password, request, { now, userKey, addressKey, clientHint: context.clientHint });
  }

  private async verifyAndSignIn(
    user: UserRecord | null,
    password: string,
    request: { readonly guestIdentityId?: string | undefined; readonly guestLinkSecret?: string | undefined },
    attempt: {
      readonly now: Date;
      readonly userKey: string;
      readonly addressKey: string | undefined;
      readonly clientHint: ClientHint | undefined;
    },
  ): Promise<LoginResult> {
    const { now } = attempt;
    // Known users wait for the dummy hash too: the first login of an instance (a Lambda cold start) makes it, and
    // if only unknown usernames paid for that, each cold start would tell them apart (two hashes against one).
    const dummyHash = await this.getDummyHash();
    // A user without a usable hash (imported without a password, or a stored string the hasher cannot check) costs
    // one full verification too, against the dummy hash, and never signs in: an unrecognized hash would otherwise
    // be answered at once, and the fast answer would tell that the account has no password.
    const verifiable = user !== null && hasVerifiableHash(this.deps.hasher, user.passwordHash);
    let verified = false;
    if (verifiable) {
      verified = await this.deps.hasher.verify(
        user.passwordHash,
        normalizePassword(password, user.passwordNormalization),
      );
    } else {
      await this.deps.hasher.verify(dummyHash, normalizePassword(password, PASSWORD_NORMALIZATION));
    }
    // A failure keeps its reservation: it is the recorded failure.
    if (!user || !verified) {
      publishSafely(this.deps.events, {
        type: 'LoginFailed',
        at: now,
        reason: 'invalid_credentials',
        userId: user?.id ?? null,
      });
      throw new InvalidCredentialsError();
    }
    if (user.status !== 'active') {
      // By default exactly the wrong-password answer (and the failure stays counted), so a disabled account's
      // response reveals nothing about whether the password was right.
      publishSafely(this.deps.events, { type: 'LoginFailed', at: now, reason: 'account_disabled', userId: user.id });
      throw this.config.revealDisabledAccounts ? new AccountDisabledError() : new InvalidCredentialsError();
    }
    // A success resets the username's consecutive failures and takes back the address's reservation, while the
    // guest link, the exchange and the session writes go on: it adds a statement, not a round trip to the latency.
    // It is awaited with the session writes, so a login whose settle failed fails (its refresh family, never handed
    // out, expires unused) rather than leave a success counted as a failure.
    const settled = Promise.all([
      this.deps.loginAttempts.reset(attempt.userKey),
      attempt.addressKey ? this.deps.loginAttempts.release(attempt.addressKey) : undefined,
    ]);
    settled.catch(() => undefined); // awaited below, or moot when the exchange fails first
    if (this.config.requireVerifiedEmail && !user.emailVerified) {
      await settled;
      await this.refuseUnverified(user, now);
    }

    const guestLink = user.identityId === null ? await this.claimGuestLink(request, now) : undefined;
    let exchange: DeveloperToken;
    try {
      exchange = await this.deps.broker.getTokenForUser({
        developerUserId: user.id,
        identityId: user.identityId ?? guestLink?.identityId,
        principalTags: { role: user.role },
        tokenDurationSeconds: this.config.tokenDurationSeconds,
      });
    } catch (error) {
      // Nothing was linked: give the guest its secret back so it can retry (only the guest holds it).
      if (guestLink) await this.deps.guestLinks.release(guestLink.secretHash).catch(() => undefined);
      throw error;
    }
    if (guestLink && exchange.identityId !== guestLink.identityId) {
      // The identity pool refused the link and signed the user in on its own identity: the guest keeps its secret.
      await this.deps.guestLinks.release(guestLink.secretHash).catch(() => undefined);
    }
    const refresh = mintRefreshToken({
      familyId: this.deps.ids.newId(),
      userId: user.id,
      identityId: exchange.identityId,
      now,
      ttlSeconds: this.config.refreshTokenTtlSeconds,
      familyExpiresAt: new Date(now.getTime() + this.config.sessionMaxAgeSeconds * 1000),
      clientHint: attempt.clientHint ?? null,
    });
    const [stored] = await Promise.all([
      rememberIdentityAndRehash(this.deps, user, exchange.identityId, password, now),
      this.deps.refreshTokens.issue(refresh.record),
      settled,
    ]);
    if (user.identityId !== exchange.identityId) {
      publishSafely(this.deps.events, {
        type: 'IdentityLinked',
        at: now,
        userId: user.id,
        identityId: exchange.identityId,
        guestUpgraded: guestLink !== undefined && guestLink.identityId === exchange.identityId,
      });
    }
    publishSafely(this.deps.events, {
      type: 'LoginSucceeded',
      at: now,
      userId: user.id,
      identityId: exchange.identityId,
    });
    return {
      identityId: exchange.identityId,
      openIdToken: exchange.token,
      openIdTokenExpiresAt: exchange.expiresAt,
      role: user.role,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.record.expiresAt,
      user: toPublicUser(stored),
    };
  }

  /**
   * The password was right (its throttle is settled like a success's), the address is not verified: refuse with its
   * own code and send a new verification message, unless the account's verification limit is spent (then the
   * earlier message is the one to follow).
   */
  private async refuseUnverified(user: UserRecord, now: Date): Promise<never> {
    publishSafely(this.deps.events, { type: 'LoginFailed', at: now, reason: 'email_not_verified', userId: user.id });
    const { accountTokens, messages } = this.deps;
    if (user.email && accountTokens && messages) {
      await sendEmailVerification({ ...this.deps, accountTokens, messages }, this.config, {
        user,
        email: user.email,
        reason: 'login_refused',
        now,
        rateLimited: true,
      }).catch(() => undefined);
    }
    throw new EmailNotVerifiedError();
  }

  /**
   * The guest identity this login may upgrade: only with the guest link secret the guest route issued for that very
   * IdentityId, spent atomically here. An IdentityId alone, a secret of another identity, or an expired or spent one
   * links nothing: the user signs in on its own identity.
   */
  private async claimGuestLink(
    request: { readonly guestIdentityId?: string | undefined; readonly guestLinkSecret?: string | undefined },
    now: Date,
  ): Promise<{ identityId: string; secretHash: string } | undefined> {
    const { guestIdentityId, guestLinkSecret } = request;
    if (guestIdentityId === undefined || !isSecretTokenShape(guestLinkSecret, GUEST_LINK_SECRET_PREFIX)) return;
    const secretHash = digestSecretToken(guestLinkSecret);
    const consumed = await this.deps.guestLinks.consume(secretHash, guestIdentityId, now);
    return consumed ? { identityId: guestIdentityId, secretHash } : undefined;
  }

  private getDummyHash(): Promise<string> {
    // The default hasher ships one for its default parameters, so a cold start costs no extra hash at all.
    this.dummyHash ??= Promise.resolve(
      this.deps.hasher.precomputedDummyHash?.() ?? this.deps.hasher.hash(randomBytes(18).toString('base64url')),
    );
    this.dummyHash.catch(() => {
      this.dummyHash = undefined;
    });
    return this.dummyHash;
  }
}

/** A stored hash the hasher can really check: not the no-password marker, and recognized when the hasher can say. */
function hasVerifiableHash(hasher: PasswordHasher, encoded: string): boolean {
  if (isUnusablePasswordHash(encoded)) return false;
  return hasher.recognizes?.(encoded) ?? true;
}

function checkGuestIdentityId(guestIdentityId: string | undefined): void {
  if (guestIdentityId !== undefined && !IDENTITY_ID_PATTERN.test(guestIdentityId)) {
    throw ValidationError.single('guestIdentityId', 'invalid_format', 'must be a Cognito IdentityId');
  }
}
