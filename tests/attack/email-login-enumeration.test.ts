/**
 * Enumeration on the login-by-email path (`loginWithEmail`): can a client tell which addresses have accounts?
 *
 * Measured like enumeration.test.ts: the real Lambda handler, the real default hasher (argon2id at the OWASP
 * parameters), stores in memory whose misses cost what their hits do. An address names its account only once it is
 * verified, so three kinds must be indistinguishable in status, headers, body and latency medians (attack-config's
 * tolerance, 10% in the full run):
 * - an address no account has;
 * - the verified address of an account, with a wrong password;
 * - the unverified address of an account, even with that account's right password (it names no account yet: an
 *   attacker who registered someone else's address cannot use it to probe, or to log in).
 * Each costs exactly one full verification. Failures by address count on the account's own throttle key, so the
 * address and the username give a guesser one budget, not two.
 */
import {
  createDefaultPasswordHasher,
  createDevauth,
  DEFAULT_THROTTLE_POLICY,
  type PasswordHasher,
  staticCommonPasswords,
  type UserRecord,
} from '@devauth/core';
import {
  createInMemoryStores,
  FakeIdentityBroker,
  InMemoryOutbox,
  InMemoryUserStore,
  ManualClock,
} from '@devauth/core/testing';
import { type ApiGatewayProxyResult, createAuthHandlers } from '@devauth/lambda-handlers';
import { beforeAll, describe, expect, it } from 'vitest';
import { attackConfig } from './support/attack-config.js';
import { eventFor, freshAddress, jsonBody, PAYLOAD_VERSIONS } from './support/gateway-events.js';
import { captureLogger, leakedSecrets, rememberSecrets } from './support/log-capture.js';
import { compareInterleaved } from './support/timing.js';

const POOL_ID = 'us-east-1:00000000-0000-4000-8000-000000000000';
const TIMEOUT = attackConfig.testTimeoutMs;
const PASSWORD = `email enumeration passphrase ${crypto.randomUUID()}`;
const VERIFIED = 'known.verified@example.com';
const UNVERIFIED = 'known.unverified@example.com';
rememberSecrets(PASSWORD);

/** Misses cost one record copy, as hits do (see enumeration.test.ts): what is measured is devauth's own code. */
class EqualCostUserStore extends InMemoryUserStore {
  private shape: UserRecord | undefined;
  override async findByEmail(email: string): Promise<UserRecord | null> {
    const user = await super.findByEmail(email);
    if (user) this.shape ??= user;
    else if (this.shape) structuredClone(this.shape);
    return user;
  }
}

function countingHasher(): PasswordHasher & { verifies: number } {
  const inner = createDefaultPasswordHasher();
  const counting = {
    verifies: 0,
    async hash(password: string) {
      const encoded = await inner.hash(password);
      rememberSecrets(encoded);
      return encoded;
    },
    verify(encoded: string, password: string) {
      counting.verifies++;
      return inner.verify(encoded, password);
    },
    needsRehash: (encoded: string) => inner.needsRehash(encoded),
  };
  return counting;
}

function buildApp() {
  const clock = new ManualClock();
  const outbox = new InMemoryOutbox();
  const hasher = countingHasher();
  const devauth = createDevauth(
    {
      ...createInMemoryStores(),
      users: new EqualCostUserStore(),
      messages: outbox,
      broker: new FakeIdentityBroker({ identityPoolId: POOL_ID, clock }),
      hasher,
      clock,
      commonPasswords: staticCommonPasswords([]),
    },
    { loginWithEmail: true },
  );
  const handlers = createAuthHandlers({ devauth, logger: captureLogger() });
  return { devauth, handlers, outbox, clock, hasher };
}

type Kind = 'unknown' | 'wrong' | 'unverified';

let probe = 0;
function loginEvent(kind: Kind, version: 1 | 2 = 2) {
  probe++;
  const wrong = `wrong email passphrase ${String(probe).padStart(8, '0')} x`;
  const username = { unknown: `ghost${probe}@example.com`, wrong: VERIFIED, unverified: UNVERIFIED }[kind];
  const password = kind === 'unverified' ? PASSWORD : wrong;
  return eventFor(version, {
    body: jsonBody({ username, password }),
    headers: { 'content-type': 'application/json' },
    sourceIp: freshAddress(),
    requestId: crypto.randomUUID(),
  });
}

const visible = (result: ApiGatewayProxyResult) => ({
  statusCode: result.statusCode,
  headers: result.headers,
  body: result.body,
});

describe('Enumeration by email address (loginWithEmail)', () => {
  let app: ReturnType<typeof buildApp>;
  const login = (event: ReturnType<typeof loginEvent>) =>
    app.handlers.login(event, { awsRequestId: crypto.randomUUID() });

  beforeAll(async () => {
    app = buildApp();
    await app.devauth.register.execute({ username: 'verified', password: PASSWORD, email: VERIFIED });
    await app.devauth.register.execute({ username: 'unverified', password: PASSWORD, email: UNVERIFIED });
    const token = app.outbox.latest('email-verification', VERIFIED)!.message.token;
    for (const entry of app.outbox.sent) rememberSecrets((entry.message as { token?: string }).token);
    await app.devauth.verifyEmail.execute({ token });
    // The verified address does log in with the right password: the path under test is live.
    await expect(app.devauth.login.execute({ username: VERIFIED, password: PASSWORD })).resolves.toBeDefined();
  }, TIMEOUT);

  it('answers an unknown, a verified (wrong password) and an unverified address alike, on both payload versions', async () => {
    for (const { version } of PAYLOAD_VERSIONS) {
      app.clock.advance(DEFAULT_THROTTLE_POLICY.resetAfterIdleSeconds * 1000);
      const answers = await Promise.all(
        (['unknown', 'wrong', 'unverified'] as const).map((kind) => login(loginEvent(kind, version))),
      );
      for (const answer of answers) expect(visible(answer)).toEqual(visible(answers[0]!));
      expect(answers[0]!.statusCode).toBe(401);
      expect(JSON.parse(answers[0]!.body).error.code).toBe('INVALID_CREDENTIALS');
    }
  });

  for (const other of ['wrong', 'unverified'] as const) {
    it(
      `takes the same time for an unknown address and a ${other === 'wrong' ? 'known address with a wrong password' : 'right password on an unverified address'}`,
      async () => {
        const before = app.hasher.verifies;
        const comparison = await compareInterleaved(
          `email login: unknown vs ${other}`,
          ['unknown', other],
          async (kind) => {
            app.clock.advance(DEFAULT_THROTTLE_POLICY.resetAfterIdleSeconds * 1000);
            const started = performance.now();
            const result = await login(loginEvent(kind));
            const ms = performance.now() - started;
            expect(result.statusCode).toBe(401);
            return ms;
          },
        );
        expect(app.hasher.verifies - before).toBe(comparison.requests);
        expect(comparison.difference).toBeLessThanOrEqual(attackConfig.timingTolerance);
      },
      TIMEOUT,
    );
  }

  it('counts failures by address on the account: the username is throttled after the address used the budget', async () => {
    app.clock.advance(DEFAULT_THROTTLE_POLICY.resetAfterIdleSeconds * 1000);
    // Every attempt from its own address: only the account's key can be what throttles.
    const attempt = (username: string, sourceIp = freshAddress()) =>
      login(
        eventFor(2, {
          body: jsonBody({ username, password: 'a wrong passphrase entirely' }),
          headers: { 'content-type': 'application/json' },
          sourceIp,
          requestId: crypto.randomUUID(),
        }),
      );
    for (let i = 0; i < DEFAULT_THROTTLE_POLICY.freeFailures; i++)
      expect((await attempt(VERIFIED)).statusCode).toBe(401);
    expect((await attempt('verified')).statusCode).toBe(429);
  });

  it('never writes a password, hash or verification token to a log line', () => {
    expect(leakedSecrets()).toEqual([]);
  });
});
