/**
 * The forgotten-password path, tried as an attacker would (ASVS 5.0 6.3.8 and 6.4: recovery must not tell accounts
 * apart, and its tokens must be single use and short-lived):
 * - a reset request for an account with a verified email address, one with an unverified address, one without, a
 *   disabled one and an unknown name gets the same status, headers and body, on both payload versions, and so does
 *   a request by a verified, an unverified and an unknown email address;
 * - their latency medians agree within the suite's tolerance (interleaved), by username and by address, although
 *   only the known account stores a token and sends a message: the response floor hides both (here over a
 *   transport that takes 15 ms);
 * - a reset or verification token works once; a spent, replaced, expired, malformed or unknown token gets one and
 *   the same answer;
 * - no reset or verification token and no password is ever written to a log line (the capture of log-capture.ts).
 */
import { createArgon2idHasher, createDevauth, createPasswordHashing, staticCommonPasswords } from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker, InMemoryOutbox, ManualClock } from '@devauth/core/testing';
import { type ApiGatewayProxyResult, createAuthHandlers } from '@devauth/lambda-handlers';
import { beforeAll, describe, expect, it } from 'vitest';
import { attackConfig } from './support/attack-config.js';
import { eventFor, jsonBody, PAYLOAD_VERSIONS } from './support/gateway-events.js';
import { captureLogger, leakedSecrets, rememberSecrets } from './support/log-capture.js';
import { compareInterleaved } from './support/timing.js';

const POOL_ID = 'us-east-1:00000000-0000-4000-8000-000000000000';
const PASSWORD = 'recovery attack passphrase 01';
const FLOOR_MS = 60;
const TRANSPORT_MS = 15;

/** An outbox whose transport takes a while, as SES does: without the floor, the known account would be slower. */
class SlowOutbox extends InMemoryOutbox {
  override async send(...args: Parameters<InMemoryOutbox['send']>): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, TRANSPORT_MS));
    return super.send(...args);
  }
}

function buildApp() {
  const stores = createInMemoryStores();
  const clock = new ManualClock();
  const outbox = new SlowOutbox();
  const devauth = createDevauth(
    {
      ...stores,
      messages: outbox,
      broker: new FakeIdentityBroker({ identityPoolId: POOL_ID, clock }),
      hasher: createPasswordHashing({
        primary: createArgon2idHasher({ memoryCost: 256, timeCost: 1, parallelism: 1 }),
      }),
      commonPasswords: staticCommonPasswords([]),
      clock,
    },
    {
      passwordResetResponseFloorMs: FLOOR_MS,
      // Measured many times over: the per-account limit would otherwise answer 429 after three.
      passwordResetRateLimit: { freeFailures: 1_000_000 },
    },
  );
  const handlers = createAuthHandlers({ devauth, logger: captureLogger() });
  return { devauth, handlers, outbox, clock, stores };
}

const visible = (result: ApiGatewayProxyResult) => ({
  statusCode: result.statusCode,
  headers: result.headers,
  body: result.body,
});

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

describe('Account recovery under attack', () => {
  let app: ReturnType<typeof buildApp>;
  const forgot = (username: string, version: 1 | 2 = 2) =>
    app.handlers.passwordForgot(
      eventFor(version, {
        path: '/auth/password/forgot',
        body: jsonBody({ username }),
        requestId: crypto.randomUUID(),
      }),
      { awsRequestId: crypto.randomUUID() },
    );
  const verify = (token: string) =>
    app.handlers.verifyEmail(eventFor(2, { path: '/auth/email/verify', body: jsonBody({ token }) }), {
      awsRequestId: crypto.randomUUID(),
    });
  const reset = (token: string, newPassword: string) =>
    app.handlers.passwordReset(eventFor(2, { path: '/auth/password/reset', body: jsonBody({ token, newPassword }) }), {
      awsRequestId: crypto.randomUUID(),
    });

  beforeAll(async () => {
    app = buildApp();
    rememberSecrets(PASSWORD);
    await app.devauth.register.execute({ username: 'victim', password: PASSWORD, email: 'victim@example.com' });
    const verification = app.outbox.latest('email-verification', 'victim@example.com')!.message.token;
    rememberSecrets(verification);
    expect((await verify(verification)).statusCode).toBe(200);
    await app.devauth.register.execute({ username: 'unverified', password: PASSWORD, email: 'u@example.com' });
    await app.devauth.register.execute({ username: 'noemail', password: PASSWORD });
    const disabled = await app.devauth.register.execute({
      username: 'gone',
      password: PASSWORD,
      email: 'g@example.com',
    });
    await app.devauth.userAccess.setStatus(disabled.id, 'disabled');
    for (const entry of app.outbox.sent) rememberSecrets((entry.message as { token?: string }).token);
    app.outbox.clear();
  });

  it('answers every kind of account alike, on both payload versions', async () => {
    for (const { version } of PAYLOAD_VERSIONS) {
      const answers = await Promise.all(
        [
          'victim',
          'unverified',
          'noemail',
          'gone',
          'nobody-at-all',
          'Victim@Example.com',
          'u@example.com',
          'g@example.com',
          'nobody@example.com',
        ].map((name) => forgot(name, version)),
      );
      for (const answer of answers) expect(visible(answer)).toEqual(visible(answers[0]!));
      expect(answers[0]!.statusCode).toBe(202);
    }
    // Only the account with a verified address got a message (one per version, by name and by address).
    expect(app.outbox.sent.map((entry) => entry.message.to)).toEqual(Array(4).fill('victim@example.com'));
    for (const entry of app.outbox.sent) rememberSecrets((entry.message as { token?: string }).token);
  });

  for (const [by, known, unknown] of [
    ['username', 'victim', 'nobody-at-all'],
    ['email address', 'victim@example.com', 'nobody@example.com'],
  ] as const) {
    it(
      `takes the same time for a known and an unknown account by ${by} (interleaved medians within tolerance)`,
      async () => {
        const sentBefore = app.outbox.sent.length;
        const comparison = await compareInterleaved(
          `password reset request by ${by}`,
          ['known', 'unknown'] as const,
          async (kind) => {
            const { ms, result } = await timed(() => forgot(kind === 'known' ? known : unknown));
            expect(result.statusCode).toBe(202);
            return ms;
          },
        );
        for (const entry of app.outbox.sent) rememberSecrets((entry.message as { token?: string }).token);
        // The known account really was sent a message each time: the floor hides real work.
        expect(app.outbox.sent.length - sentBefore).toBe(comparison.requests / 2);
        // Timers may fire a fraction of a millisecond early (Node rounds their due time).
        expect(comparison.medians.known).toBeGreaterThanOrEqual(FLOOR_MS - 2);
        expect(comparison.medians.unknown).toBeGreaterThanOrEqual(FLOOR_MS - 2);
        expect(comparison.difference).toBeLessThanOrEqual(attackConfig.timingTolerance);
      },
      attackConfig.testTimeoutMs,
    );
  }

  it('spends a verification token once; spent, replaced, expired and malformed tokens get the same answer', async () => {
    const signedIn = { userId: (await app.stores.users.findByUsername('unverified'))!.id };
    await app.devauth.resendEmailVerification.execute(signedIn);
    const replaced = app.outbox.latest('email-verification', 'u@example.com')!.message.token;
    await app.devauth.resendEmailVerification.execute(signedIn);
    const live = app.outbox.latest('email-verification', 'u@example.com')!.message.token;
    rememberSecrets(replaced, live);
    const refusals: ApiGatewayProxyResult[] = [await verify(replaced)];
    expect((await verify(live)).statusCode).toBe(200);
    refusals.push(await verify(live));
    refusals.push(await verify('emv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    refusals.push(await verify('not a token at all'));
    await app.devauth.register.execute({ username: 'late', password: PASSWORD, email: 'late@example.com' });
    const expiring = app.outbox.latest('email-verification', 'late@example.com')!.message.token;
    rememberSecrets(expiring);
    app.clock.advance(app.devauth.config.emailVerificationTtlSeconds * 1000);
    refusals.push(await verify(expiring));
    for (const refusal of refusals) {
      expect(refusal.statusCode).toBe(400);
      expect(refusal.body).toBe(refusals[0]!.body);
    }
    expect(JSON.parse(refusals[0]!.body).error.code).toBe('ACCOUNT_TOKEN_INVALID');
  });

  it('spends a token once; spent, replaced, expired, malformed and unknown tokens get the same answer', async () => {
    await forgot('victim');
    const replaced = app.outbox.latest('password-reset', 'victim@example.com')!.message.token;
    await forgot('victim');
    const live = app.outbox.latest('password-reset', 'victim@example.com')!.message.token;
    rememberSecrets(replaced, live);
    const newPassword = 'a brand new passphrase 2026';
    rememberSecrets(newPassword);
    const refusals: ApiGatewayProxyResult[] = [await reset(replaced, newPassword)];
    expect((await reset(live, newPassword)).statusCode).toBe(204);
    refusals.push(await reset(live, 'yet another passphrase 99'));
    refusals.push(await reset('pwr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', newPassword));
    refusals.push(await reset('not a token at all', newPassword));
    await forgot('victim');
    const expiring = app.outbox.latest('password-reset', 'victim@example.com')!.message.token;
    rememberSecrets(expiring);
    app.clock.advance(app.devauth.config.passwordResetTtlSeconds * 1000);
    refusals.push(await reset(expiring, newPassword));
    for (const refusal of refusals) {
      expect(refusal.statusCode).toBe(400);
      expect(refusal.body).toBe(refusals[0]!.body);
    }
    expect(JSON.parse(refusals[0]!.body)).toEqual({
      error: { code: 'ACCOUNT_TOKEN_INVALID', message: 'The link is invalid or has expired; ask for a new one.' },
    });
    // The reset took: the new password logs in, the old one does not.
    const login = (password: string) => app.devauth.login.execute({ username: 'victim', password });
    await expect(login(newPassword)).resolves.toBeDefined();
    await expect(login(PASSWORD)).rejects.toThrow();
  });

  it('never writes a reset or verification token or a password to a log line', () => {
    expect(leakedSecrets()).toEqual([]);
  });
});
