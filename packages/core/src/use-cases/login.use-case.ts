import { randomBytes } from 'node:crypto';
import type { DevauthConfig } from '../domain/config.js';
import {
  AccountDisabledError,
  InvalidCredentialsError,
  ThrottledError,
  ValidationError,
  VersionConflictError,
} from '../domain/errors.js';
import { checkPasswordBounds, normalizePassword, PASSWORD_NORMALIZATION } from '../domain/password-policy.js';
import { mintRefreshToken } from '../domain/refresh-token.js';
import type { Role } from '../domain/role.js';
import { IDENTITY_ID_PATTERN, type LoginInput, loginInputSchema } from '../domain/schemas.js';
import { type AttemptState, addressThrottleKey, retryAfterSeconds, usernameThrottleKey } from '../domain/throttle.js';
import { nextVersion, type PublicUser, toPublicUser, type UserRecord } from '../domain/user.js';
import { canonicalizeUsername, USERNAME_PROBLEM_MESSAGES } from '../domain/username.js';
import { parseInput } from '../domain/validation.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventSink } from '../ports/event-sink.port.js';
import type { IdGenerator } from '../ports/id-generator.port.js';
import type { IdentityBroker } from '../ports/identity-broker.port.js';
import type { LoginAttemptStore } from '../ports/login-attempt-store.port.js';
import type { PasswordHasher } from '../ports/password-hasher.port.js';
import type { RefreshTokenStore } from '../ports/refresh-token-store.port.js';
import type { UserStore } from '../ports/user-store.port.js';
import { publishSafely } from './publish.js';

export interface LoginDependencies {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly hasher: PasswordHasher;
  readonly broker: IdentityBroker;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly events: EventSink;
}

/** Facts the edge knows about the request, never taken from the body. */
export interface LoginContext {
  readonly sourceAddress?: string;
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
 * Login: validate, canonicalize, throttle check, look up, verify, refuse disabled accounts, upgrade the stored hash,
 * exchange through the identity broker, start a refresh-token family.
 *
 * Unknown users and wrong passwords are indistinguishable: both cost one full verification (unknown users against a
 * dummy hash made with the current parameters, which both wait for on an instance's first login), both record a
 * failure, both end in the same InvalidCredentialsError.
 * Throttled attempts cost no hashing at all.
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
    const username = canonicalizeUsername(request.username);
    if (!username.ok)
      throw ValidationError.single('username', username.problem, USERNAME_PROBLEM_MESSAGES[username.problem]);
    if (request.guestIdentityId !== undefined && !IDENTITY_ID_PATTERN.test(request.guestIdentityId)) {
      throw ValidationError.single('guestIdentityId', 'invalid_format', 'must be a Cognito IdentityId');
    }

    const now = this.deps.clock.now();
    const userKey = usernameThrottleKey(username.value);
    const keys = context.sourceAddress ? [userKey, addressThrottleKey(context.sourceAddress)] : [userKey];
    const [attempts, user] = await Promise.all([
      this.deps.loginAttempts.get(keys),
      this.deps.users.findByUsername(username.value),
    ]);
    const wait = Math.max(0, ...attempts.map((state) => retryAfterSeconds(state, now, this.config.throttle)));
    if (wait > 0) {
      publishSafely(this.deps.events, { type: 'LoginFailed', at: now, reason: 'throttled', userId: user?.id ?? null });
      throw new ThrottledError(wait);
    }

    // Known users wait for the dummy hash too: the first login of an instance (a Lambda cold start) makes it, and
    // if only unknown usernames paid for that, each cold start would tell them apart (two hashes against one).
    const dummyHash = await this.getDummyHash();
    const verified = user
      ? await this.deps.hasher.verify(user.passwordHash, normalizePassword(password, user.passwordNormalization))
      : await this.deps.hasher.verify(dummyHash, normalizePassword(password, PASSWORD_NORMALIZATION));
    if (!user || !verified) {
      await this.deps.loginAttempts.recordFailure(keys, now, this.config.throttle.resetAfterIdleSeconds);
      publishSafely(this.deps.events, {
        type: 'LoginFailed',
        at: now,
        reason: 'invalid_credentials',
        userId: user?.id ?? null,
      });
      throw new InvalidCredentialsError();
    }
    if (user.status !== 'active') {
      publishSafely(this.deps.events, { type: 'LoginFailed', at: now, reason: 'account_disabled', userId: user.id });
      throw new AccountDisabledError();
    }
    if (hasFailures(attempts, userKey)) await this.deps.loginAttempts.reset(userKey);

    const exchange = await this.deps.broker.getTokenForUser({
      developerUserId: user.id,
      identityId: user.identityId ?? request.guestIdentityId,
      principalTags: { role: user.role },
      tokenDurationSeconds: this.config.tokenDurationSeconds,
    });
    const refresh = mintRefreshToken({
      familyId: this.deps.ids.newId(),
      userId: user.id,
      identityId: exchange.identityId,
      now,
      ttlSeconds: this.config.refreshTokenTtlSeconds,
      familyExpiresAt: new Date(now.getTime() + this.config.sessionMaxAgeSeconds * 1000),
    });
    const [stored] = await Promise.all([
      this.rememberIdentityAndRehash(user, exchange.identityId, password, now),
      this.deps.refreshTokens.issue(refresh.record),
    ]);
    if (user.identityId !== exchange.identityId) {
      publishSafely(this.deps.events, {
        type: 'IdentityLinked',
        at: now,
        userId: user.id,
        identityId: exchange.identityId,
        guestUpgraded: request.guestIdentityId === exchange.identityId,
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
   * One user write for both follow-ups of a successful login: storing the IdentityId on first login (or when the
   * broker resolved another one) and upgrading a legacy or weak hash. A concurrent login may win the version race;
   * then the write is retried once on the fresh record, and if it loses again the login still succeeds (the next one
   * will store what is missing).
   */
  private async rememberIdentityAndRehash(
    user: UserRecord,
    identityId: string,
    password: string,
    now: Date,
  ): Promise<UserRecord> {
    let current = user;
    for (let attempt = 0; attempt < 2; attempt++) {
      const rehash =
        current.passwordNormalization !== PASSWORD_NORMALIZATION || this.deps.hasher.needsRehash(current.passwordHash);
      if (current.identityId === identityId && !rehash) return current;
      const next = nextVersion(
        current,
        rehash
          ? {
              identityId,
              passwordHash: await this.deps.hasher.hash(normalizePassword(password, PASSWORD_NORMALIZATION)),
              passwordNormalization: PASSWORD_NORMALIZATION,
            }
          : { identityId },
        now,
      );
      try {
        await this.deps.users.update(next);
        if (rehash)
          publishSafely(this.deps.events, {
            type: 'PasswordRehashed',
            at: now,
            userId: user.id,
            algorithm: algorithmOf(next.passwordHash),
          });
        return next;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        const fresh = await this.deps.users.findById(user.id);
        if (!fresh) return current;
        current = fresh;
      }
    }
    return current;
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= this.deps.hasher.hash(randomBytes(18).toString('base64url'));
    this.dummyHash.catch(() => {
      this.dummyHash = undefined;
    });
    return this.dummyHash;
  }
}

function hasFailures(attempts: readonly AttemptState[], key: string): boolean {
  return attempts.some((state) => state.key === key && state.consecutiveFailures > 0);
}

function algorithmOf(encoded: string): string {
  return encoded.startsWith('$') ? (encoded.split('$')[1] ?? 'unknown') : (encoded.split('$')[0] ?? 'unknown');
}
