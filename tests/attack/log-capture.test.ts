/**
 * The capture's self-test: the zero-hits assertion every attack file ends with is only worth something if the
 * capture really sees what is written. Canaries go out through every channel a handler or a dependency could use
 * (console, raw stream writes, the handlers' JSON logger, a real handler's log line) and must be found; then they are
 * forgotten, so this file's own afterAll (from log-capture) still passes.
 */
import { createDevauth, staticCommonPasswords } from '@devauth/core';
import {
  FakeIdentityBroker,
  InMemoryAccountTokenStore,
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
} from '@devauth/core/testing';
import { createAuthHandlers, type Logger } from '@devauth/lambda-handlers';
import { afterAll, describe, expect, it } from 'vitest';
import { eventFor, jsonBody } from './support/gateway-events.js';
import {
  capturedLines,
  captureLogger,
  forgetSecrets,
  leakedSecrets,
  rememberedSecretCount,
  rememberSecrets,
} from './support/log-capture.js';

const canary = (channel: string) => `canary-${channel}-${crypto.randomUUID()}`;

/** The secret as written, or as a JSON logger escapes it. */
const forms = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1)];

function expectFoundThenForget(secret: string): void {
  rememberSecrets(secret);
  const leak = leakedSecrets().find((candidate) => forms(secret).includes(candidate.secret));
  expect(leak, `${secret.slice(0, 20)}… was written but not found by the capture`).toBeDefined();
  expect(leak?.line).toContain(leak?.secret);
  forgetSecrets(secret);
  expect(leakedSecrets().some((candidate) => forms(secret).includes(candidate.secret))).toBe(false);
}

describe('Log capture (self-test)', () => {
  it('finds a secret written through every console method', () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const secret = canary(`console.${method}`);
      rememberSecrets(secret);
      console[method]('user said', { note: `password is ${secret} ok` });
      expectFoundThenForget(secret);
    }
  });

  it('finds a secret written to process.stdout and process.stderr, even split across writes', () => {
    for (const stream of [process.stdout, process.stderr]) {
      const whole = canary('stream');
      stream.write(`raw ${whole}\n`);
      expectFoundThenForget(whole);

      const split = canary('split');
      stream.write(`start ${split.slice(0, 11)}`);
      stream.write(`${split.slice(11)} end\n`);
      expectFoundThenForget(split);

      const buffer = canary('buffer');
      stream.write(Buffer.from(`bytes ${buffer}\n`, 'utf8'));
      expectFoundThenForget(buffer);
    }
  });

  it('finds a secret logged through captureLogger, also in its JSON-escaped form', () => {
    const logger: Logger = captureLogger();
    const plain = canary('logger');
    logger.info('request', { leaked: plain });
    expectFoundThenForget(plain);

    // A password with quotes, a backslash and a newline appears escaped in a JSON line.
    const awkward = `"quoted" back\\slash\nnew-line ${crypto.randomUUID()}`;
    logger.error('request failed', { body: { password: awkward } });
    expect(capturedLines().some((line) => line.includes(awkward))).toBe(false);
    expectFoundThenForget(awkward);
  });

  it('finds secrets sharing a prefix, anywhere in a line, and ignores strings shorter than 8 characters', () => {
    const logger = captureLogger();
    const base = crypto.randomUUID();
    const first = `${base}-first`;
    const second = `${base}-second`;
    logger.warn(`prefix ${second} suffix`);
    rememberSecrets(first, second);
    expect(leakedSecrets().map(({ secret }) => secret)).toContain(second);
    expect(leakedSecrets().map(({ secret }) => secret)).not.toContain(first);
    forgetSecrets(first, second);

    const before = rememberedSecretCount();
    rememberSecrets('short', '', null, undefined);
    expect(rememberedSecretCount()).toBe(before);
  });

  it("sees a handler's own log line: a secret a handler logged would be caught", async () => {
    // A logger that leaks the one thing handlers must never log: proves handler output flows into the capture.
    const inner = captureLogger();
    const password = `handler-canary ${crypto.randomUUID()}`;
    const leaky: Logger = {
      info: (message, fields) => inner.info(message, { ...fields, password }),
      warn: (message, fields) => inner.warn(message, { ...fields, password }),
      error: (message, fields) => inner.error(message, { ...fields, password }),
    };
    const users = new InMemoryUserStore();
    const handlers = createAuthHandlers({
      devauth: createDevauth({
        users,
        refreshTokens: new InMemoryRefreshTokenStore(),
        loginAttempts: new InMemoryLoginAttemptStore(),
        invitations: new InMemoryInvitationStore(),
        guestLinks: new InMemoryGuestLinkStore(),
        accountTokens: new InMemoryAccountTokenStore(),
        broker: new FakeIdentityBroker(),
        commonPasswords: staticCommonPasswords([]),
      }),
      logger: leaky,
    });
    const result = await handlers.login(eventFor(2, { body: jsonBody({ username: 'x', password }) }));
    expect(result.statusCode).toBe(400);
    expectFoundThenForget(password);
  });

  it('searches a large capture quickly (the fuzz suite captures tens of thousands of lines)', () => {
    const logger = captureLogger();
    const remembered: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      remembered.push(`rt_${crypto.randomUUID()}${crypto.randomUUID()}`);
      logger.info('request', { requestId: crypto.randomUUID(), route: 'login', outcome: { statusCode: 401 } });
    }
    for (let i = 0; i < 15_000; i++) logger.info('request', { requestId: crypto.randomUUID(), latencyMs: i });
    rememberSecrets(...remembered);
    const started = performance.now();
    expect(leakedSecrets()).toEqual([]);
    expect(performance.now() - started).toBeLessThan(10_000);
    forgetSecrets(...remembered);
  });

  afterAll(() => {
    // Everything planted here was forgotten; what stays is this file's real secret, searched by the capture's afterAll.
    rememberSecrets(`log-capture-self-test ${crypto.randomUUID()}`);
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});
