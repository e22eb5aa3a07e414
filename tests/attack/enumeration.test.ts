/**
 * Enumeration: can a client tell an unknown username from a known one with a wrong password?
 *
 * Login is measured through the real Lambda handler with the real default hasher (argon2id at the OWASP parameters,
 * m=19456 KiB, t=2, p=1), so latency reflects real hashing. Stores are in memory (their lookups cost microseconds
 * either way), and a ManualClock drives only the throttle.
 *
 * What must be indistinguishable (ASVS 5.0 6.3.8: valid users not deducible from messages, status codes or timing):
 * - unknown user vs known user + wrong password: same status, headers and body, latency medians within the
 *   tolerance of attack-config (10% in the full run);
 * - throttled unknown user vs throttled known user: same status, headers (Retry-After) and body, throttled after the
 *   same number of failures with the same waits, and latency medians within the same tolerance. A known user with
 *   the *right* password gets the same 429 while throttled.
 *
 * What deliberately differs: a throttled request answers before any hashing (core README, "Throttled logins do no
 * hashing"; ARCHITECTURE.md, login flow), so it is much faster than a hashed one. That is not an enumeration signal:
 * whether a request is throttled depends only on the failures recorded for the username and the source address,
 * which are recorded identically for existing and unknown usernames (a failure is recorded on both paths, after a
 * full verification), and the client already learns "throttled" from the 429 itself. Hashing while throttled would
 * hand an attacker a CPU amplifier for free (OWASP's throttling advice, NIST SP 800-63B-4's rate limiting, and
 * Cognito's lockout all refuse early). So the 10% rule applies between indistinguishable cases (unknown vs wrong,
 * throttled-unknown vs throttled-known); between throttled and hashed we assert the opposite: throttled is faster,
 * and does no verification at all. That comparison also shows the timer resolves the cost of one hash, so the
 * equality assertions are not vacuous.
 */
import {
  createDefaultPasswordHasher,
  createDevauth,
  DEFAULT_THROTTLE_POLICY,
  type Devauth,
  OWASP_ARGON2ID,
  type PasswordHasher,
  staticCommonPasswords,
  type UserRecord,
} from '@devauth/core';
import {
  FakeIdentityBroker,
  InMemoryAccountTokenStore,
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
  ManualClock,
} from '@devauth/core/testing';
import { type ApiGatewayProxyResult, type AuthHandlers, createAuthHandlers } from '@devauth/lambda-handlers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackConfig } from './support/attack-config.js';
import { eventFor, freshAddress, jsonBody, median, PAYLOAD_VERSIONS } from './support/gateway-events.js';
import { captureLogger, rememberedSecretCount, rememberSecrets } from './support/log-capture.js';
import { compareInterleaved, report } from './support/timing.js';

const POOL_ID = 'us-east-1:00000000-0000-4000-8000-000000000000';
const TIMEOUT = attackConfig.testTimeoutMs;
const KINDS = ['unknown', 'wrong'] as const;
const KNOWN_USERNAME = 'enum.alice';
const KNOWN_PASSWORD = `enumeration correct horse ${crypto.randomUUID()}`;
rememberSecrets(KNOWN_PASSWORD);

/** The default production hasher, counting what it is asked to do (the count costs nanoseconds). */
interface CountingHasher extends PasswordHasher {
  verifies: number;
  readonly hashes: string[];
}

function countingDefaultHasher(): CountingHasher {
  const inner = createDefaultPasswordHasher();
  const counting: CountingHasher = {
    verifies: 0,
    hashes: [],
    async hash(password) {
      const encoded = await inner.hash(password);
      counting.hashes.push(encoded);
      rememberSecrets(encoded);
      return encoded;
    },
    verify(encoded, password) {
      counting.verifies++;
      return inner.verify(encoded, password);
    },
    needsRehash: (encoded) => inner.needsRehash(encoded),
    // The production path: unknown users are verified against the hash the default hasher ships.
    precomputedDummyHash: () => inner.precomputedDummyHash?.(),
  };
  return counting;
}

/**
 * The in-memory store copies a record out on a hit (structuredClone, some microseconds) and does nothing on a miss.
 * That difference belongs to the test double, not to devauth (a real store pays a network round trip either way),
 * and it is visible next to a throttled answer, which costs only tens of microseconds. So a miss here costs one
 * copy as well, and what is measured is devauth's own code.
 */
class EqualCostUserStore extends InMemoryUserStore {
  private shape: UserRecord | undefined;

  override async findByUsername(username: string): Promise<UserRecord | null> {
    return this.atEqualCost(await super.findByUsername(username));
  }

  override async findByEmail(email: string): Promise<UserRecord | null> {
    return this.atEqualCost(await super.findByEmail(email));
  }

  private atEqualCost(user: UserRecord | null): UserRecord | null {
    if (user) this.shape ??= user;
    else if (this.shape) structuredClone(this.shape);
    return user;
  }
}

interface EnumerationApp {
  readonly handlers: AuthHandlers;
  readonly devauth: Devauth;
  readonly users: InMemoryUserStore;
  readonly clock: ManualClock;
  readonly hasher: CountingHasher;
}

function buildApp(users: InMemoryUserStore = new EqualCostUserStore()): EnumerationApp {
  const clock = new ManualClock();
  const hasher = countingDefaultHasher();
  const devauth = createDevauth({
    users,
    refreshTokens: new InMemoryRefreshTokenStore(),
    loginAttempts: new InMemoryLoginAttemptStore(),
    invitations: new InMemoryInvitationStore(),
    guestLinks: new InMemoryGuestLinkStore(),
    accountTokens: new InMemoryAccountTokenStore(),
    broker: new FakeIdentityBroker({ identityPoolId: POOL_ID, clock }),
    hasher,
    clock,
    commonPasswords: staticCommonPasswords(['password123456']),
  });
  const handlers = createAuthHandlers({
    devauth,
    me: { users, identityPoolId: POOL_ID, cacheTtlSeconds: 0 },
    logger: captureLogger(),
  });
  return { handlers, devauth, users, clock, hasher };
}

async function registerKnownUser(app: EnumerationApp): Promise<void> {
  const result = await app.handlers.register(
    eventFor(2, {
      path: '/auth/register',
      body: jsonBody({ username: KNOWN_USERNAME, password: KNOWN_PASSWORD }),
      headers: { 'content-type': 'application/json' },
    }),
    { awsRequestId: crypto.randomUUID() },
  );
  expect(result.statusCode).toBe(201);
  const stored = await app.users.findByUsername(KNOWN_USERNAME);
  expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  rememberSecrets(stored?.passwordHash);
}

type Kind = 'unknown' | 'wrong' | 'right';

let probe = 0;
/** A login request of a kind; every request has its own request ids (and, by default, a fresh source address). */
function loginEvent(kind: Kind, version: 1 | 2 = 2, sourceIp = freshAddress()) {
  probe++;
  // Same password length for every probe, so nothing but the username/password relation differs.
  const wrongPassword = `wrong horse battery ${String(probe).padStart(8, '0')} staple`;
  const username = kind === 'unknown' ? `enum.ghost${probe}` : KNOWN_USERNAME;
  const password = kind === 'right' ? KNOWN_PASSWORD : wrongPassword;
  return eventFor(version, {
    body: jsonBody({ username, password }),
    headers: { 'content-type': 'application/json' },
    sourceIp,
    requestId: crypto.randomUUID(),
  });
}

async function timed(
  handler: AuthHandlers['login'],
  event: ReturnType<typeof loginEvent>,
): Promise<{ ms: number; result: ApiGatewayProxyResult }> {
  const context = { awsRequestId: crypto.randomUUID() };
  const started = performance.now();
  const result = await handler(event, context);
  return { ms: performance.now() - started, result };
}

/** Everything a client sees of a response. */
const visible = (result: ApiGatewayProxyResult) => ({
  statusCode: result.statusCode,
  headers: result.headers,
  body: result.body,
  isBase64Encoded: result.isBase64Encoded,
});

const INVALID_CREDENTIALS_BODY = { error: { code: 'INVALID_CREDENTIALS', message: 'Invalid username or password.' } };

describe('Enumeration: unknown user vs wrong password vs throttled', () => {
  let app: EnumerationApp;

  beforeAll(async () => {
    app = buildApp();
    await registerKnownUser(app);
  }, TIMEOUT);

  it('answers an unknown user and a wrong password with the same status, headers and body (both payload versions)', async () => {
    for (const { version } of PAYLOAD_VERSIONS) {
      for (let i = 0; i < 3; i++) {
        app.clock.advance(DEFAULT_THROTTLE_POLICY.resetAfterIdleSeconds);
        const unknown = await app.handlers.login(loginEvent('unknown', version), { awsRequestId: crypto.randomUUID() });
        const wrong = await app.handlers.login(loginEvent('wrong', version), { awsRequestId: crypto.randomUUID() });
        // Different request ids on every request, so any per-request field would make these differ.
        expect(visible(unknown)).toEqual(visible(wrong));
        expect(unknown.statusCode).toBe(401);
        expect(JSON.parse(unknown.body)).toEqual(INVALID_CREDENTIALS_BODY);
        expect(unknown.headers['retry-after']).toBeUndefined();
        expect(unknown.headers['x-correlation-id']).toBeUndefined();
      }
    }
  });

  it(
    'takes the same time for an unknown user and a wrong password (interleaved, medians within tolerance)',
    async () => {
      const { handlers, clock, hasher } = app;
      const verifiesBefore = hasher.verifies;
      const comparison = await compareInterleaved('steady state', KINDS, async (kind) => {
        // Every failure stays the first in its idle window: the throttle never engages here.
        clock.advance(DEFAULT_THROTTLE_POLICY.resetAfterIdleSeconds);
        const { ms, result } = await timed(handlers.login, loginEvent(kind));
        expect(result.statusCode).toBe(401);
        return ms;
      });
      // Both paths ran exactly one full verification per request...
      expect(hasher.verifies - verifiesBefore).toBe(comparison.requests);
      // ...and the dummy hash unknown users are verified against has the same (OWASP) parameters as real ones.
      const parameters = (encoded: string) => encoded.split('$')[3];
      const known = await app.users.findByUsername(KNOWN_USERNAME);
      const dummy = hasher.precomputedDummyHash?.();
      expect(dummy).toBeDefined();
      for (const encoded of [...hasher.hashes, dummy!]) {
        expect(parameters(encoded)).toBe(parameters(known!.passwordHash));
      }
      expect(parameters(known!.passwordHash)).toBe(
        `m=${OWASP_ARGON2ID.memoryCost},t=${OWASP_ARGON2ID.timeCost},p=${OWASP_ARGON2ID.parallelism}`,
      );

      expect(comparison.difference).toBeLessThanOrEqual(attackConfig.timingTolerance);
    },
    TIMEOUT,
  );

  it(
    'takes the same time for the first login of a fresh instance (cold start), unknown user or wrong password',
    async () => {
      // A Lambda cold start builds a new Login use case. If it had to compute the dummy hash unknown users are
      // verified against and only unknown users paid for it, every cold start would leak (2 hashes vs 1); the
      // default hasher ships it precomputed, so both cost one verification.
      const comparison = await compareInterleaved('cold start', KINDS, async (kind) => {
        const fresh = buildApp(app.users); // a new instance over the same user table
        const { ms, result } = await timed(fresh.handlers.login, loginEvent(kind));
        expect(result.statusCode).toBe(401);
        return ms;
      });
      expect(comparison.difference).toBeLessThanOrEqual(attackConfig.timingTolerance);
    },
    TIMEOUT,
  );

  it(
    'throttles an unknown user and a known user after the same failures, with the same waits and the same 429',
    async () => {
      const fresh = buildApp(app.users);
      const { handlers, clock, hasher } = fresh;
      // Fresh source addresses on every request: only the username key carries history here.
      const failUntilThrottled = async (kind: 'unknown' | 'wrong', username: string) => {
        const statuses: number[] = [];
        for (let attempt = 0; attempt < DEFAULT_THROTTLE_POLICY.freeFailures + 2; attempt++) {
          const password = `wrong horse battery ${attempt} staple ${kind}`;
          const result = await handlers.login(
            eventFor(2, { body: jsonBody({ username, password }), sourceIp: freshAddress() }),
            { awsRequestId: crypto.randomUUID() },
          );
          statuses.push(result.statusCode);
          if (result.statusCode === 429) return { statuses, result };
        }
        return { statuses, result: undefined };
      };
      const ghost = 'enum.throttled-ghost';
      const unknown = await failUntilThrottled('unknown', ghost);
      const known = await failUntilThrottled('wrong', KNOWN_USERNAME);
      const expected = [...Array(DEFAULT_THROTTLE_POLICY.freeFailures).fill(401), 429];
      expect(unknown.statuses).toEqual(expected);
      expect(known.statuses).toEqual(expected);
      expect(visible(unknown.result!)).toEqual(visible(known.result!));
      expect(unknown.result!.headers['retry-after']).toBe(String(DEFAULT_THROTTLE_POLICY.baseDelaySeconds));
      expect(JSON.parse(unknown.result!.body)).toEqual({
        error: { code: 'THROTTLED', message: 'Too many attempts; retry later.' },
      });

      // While throttled: the right password gets the very same answer, on both payload versions, and nothing is
      // verified (so a throttled attacker learns nothing about the password and costs no hashing).
      const verifiesBefore = hasher.verifies;
      for (const { version } of PAYLOAD_VERSIONS) {
        const right = await handlers.login(loginEvent('right', version), { awsRequestId: crypto.randomUUID() });
        const ghostAgain = await handlers.login(
          eventFor(version, {
            body: jsonBody({ username: ghost, password: KNOWN_PASSWORD }),
            sourceIp: freshAddress(),
          }),
          { awsRequestId: crypto.randomUUID() },
        );
        expect(visible(right)).toEqual(visible(ghostAgain));
        expect(visible(right)).toEqual(visible(known.result!));
      }
      expect(hasher.verifies).toBe(verifiesBefore);

      // The waits grow identically: wait out the Retry-After, fail once more, compare the next 429.
      for (let step = 0; step < 4; step++) {
        const answers: ApiGatewayProxyResult[] = [];
        const wait = Number(known.result!.headers['retry-after']) * 2 ** step;
        clock.advance(wait);
        for (const username of [ghost, KNOWN_USERNAME]) {
          const fail = await handlers.login(
            eventFor(2, {
              body: jsonBody({ username, password: `wrong horse battery step ${step}` }),
              sourceIp: freshAddress(),
            }),
          );
          expect(fail.statusCode).toBe(401);
          answers.push(
            await handlers.login(
              eventFor(2, {
                body: jsonBody({ username, password: 'wrong horse battery again' }),
                sourceIp: freshAddress(),
              }),
            ),
          );
        }
        expect(answers[0]!.statusCode).toBe(429);
        expect(visible(answers[0]!)).toEqual(visible(answers[1]!));
        expect(answers[0]!.headers['retry-after']).toBe(String(wait * 2));
      }
    },
    TIMEOUT,
  );

  it(
    'answers throttled unknown and known users in the same time, and faster than any hashed answer',
    async () => {
      const fresh = buildApp(app.users);
      const { handlers, hasher } = fresh;
      const ghost = 'enum.slow-ghost';
      // One source address per username, throttled by its failures like the username itself.
      const addresses = { unknown: freshAddress(), wrong: freshAddress() };
      const usernames = { unknown: ghost, wrong: KNOWN_USERNAME };
      for (let i = 0; i < DEFAULT_THROTTLE_POLICY.freeFailures; i++) {
        for (const kind of ['unknown', 'wrong'] as const) {
          const result = await handlers.login(
            eventFor(2, {
              body: jsonBody({ username: usernames[kind], password: `wrong horse battery ${i}` }),
              sourceIp: addresses[kind],
            }),
          );
          expect(result.statusCode).toBe(401);
        }
      }
      const hashedSamples = await (async () => {
        // Hashed answers measured alongside, from addresses and usernames with no history.
        const samples: number[] = [];
        for (let i = 0; i < attackConfig.timingRounds; i++) {
          const { ms, result } = await timed(handlers.login, loginEvent('unknown'));
          expect(result.statusCode).toBe(401);
          samples.push(ms);
        }
        return samples;
      })();

      // Throttled answers cost microseconds: take ten times as many samples to steady their medians.
      const verifiesBefore = hasher.verifies;
      let first: ApiGatewayProxyResult | undefined;
      const comparison = await compareInterleaved(
        'throttled',
        KINDS,
        async (kind, round) => {
          const event = eventFor(2, {
            body: jsonBody({ username: usernames[kind], password: `wrong horse battery ${round}` }),
            sourceIp: addresses[kind],
            requestId: crypto.randomUUID(),
          });
          const { ms, result } = await timed(handlers.login, event);
          first ??= result;
          expect(visible(result)).toEqual(visible(first));
          return ms;
        },
        10,
      );
      expect(first?.statusCode).toBe(429);
      expect(hasher.verifies).toBe(verifiesBefore);
      const hashed = median(hashedSamples);
      report('hashed answers, measured just before', { hashed });
      expect(comparison.difference).toBeLessThanOrEqual(attackConfig.timingTolerance);
      const { unknown, wrong } = comparison.medians;
      // Deliberately different: throttled answers skip the hash (see the file comment).
      expect(Math.max(unknown, wrong)).toBeLessThan(hashed / 2);
    },
    TIMEOUT,
  );

  afterAll(() => {
    // The capture's own afterAll then searches every captured line for these.
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});
