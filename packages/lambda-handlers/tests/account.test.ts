import { describe, expect, it } from 'vitest';
import { context, createTestApp, iamEvent, parse, type TestApp, VERSIONS } from './support.js';

const PASSWORD = 'correct horse battery staple 42';
const NEW_PASSWORD = 'an entirely new passphrase 17';
const noFloor = { passwordResetResponseFloorMs: 0 };

type MakeEvent = (typeof VERSIONS)[number]['event'];

/** Follows the newest verification link sent to `email` through the verifyEmail route. */
async function followVerificationLink(app: TestApp, make: MakeEvent, email: string) {
  const token = app.outbox.latest('email-verification', email)!.message.token;
  return app.handlers.verifyEmail(make({ path: '/auth/email/verify', body: { token } }), context());
}

/**
 * alice, registered with an address and signed in. `verified` (default true) follows the verification link first:
 * reset messages go to verified addresses only.
 */
async function signedInUser(app: TestApp, make: MakeEvent, { verified = true } = {}) {
  await app.handlers.register(
    make({ path: '/auth/register', body: { username: 'alice', password: PASSWORD, email: 'alice@example.com' } }),
    context(),
  );
  if (verified) expect((await followVerificationLink(app, make, 'alice@example.com')).statusCode).toBe(200);
  const login = parse(await app.handlers.login(make({ body: { username: 'alice', password: PASSWORD } }), context()));
  return login as { identityId: string; refreshToken: string };
}

describe.each(VERSIONS)('account routes with $name events', ({ version, event: make, iamBase }) => {
  it('forgot password: 202 with the same body for a known and an unknown account; the known one gets a message', async () => {
    const app = createTestApp({ config: noFloor });
    await signedInUser(app, make);
    const known = await app.handlers.passwordForgot(
      make({ path: '/auth/password/forgot', body: { username: 'alice' } }),
      context(),
    );
    const unknown = await app.handlers.passwordForgot(
      make({ path: '/auth/password/forgot', body: { username: 'nobody' } }),
      context(),
    );
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    expect(parse(known)).toEqual({ status: 'accepted' });
    expect(app.outbox.sent.map((entry) => [entry.message.kind, entry.message.to])).toEqual([
      ['email-verification', 'alice@example.com'],
      ['password-reset', 'alice@example.com'],
    ]);
    // The token is in the message only: in no response and no log line.
    const token = app.outbox.latest('password-reset')!.message.token;
    expect(JSON.stringify([known, unknown]) + app.logger.lines.join('\n')).not.toContain(token);
  });

  it('forgot password: an unverified address gets no reset message, with the same 202', async () => {
    const app = createTestApp({ config: noFloor });
    await signedInUser(app, make, { verified: false });
    const answer = await app.handlers.passwordForgot(
      make({ path: '/auth/password/forgot', body: { username: 'alice' } }),
      context(),
    );
    expect(answer.statusCode).toBe(202);
    expect(parse(answer)).toEqual({ status: 'accepted' });
    expect(app.outbox.latest('password-reset')).toBeUndefined();
  });

  it('reset password: 204 with the token, the old refresh token dead; a spent or bad token is 400', async () => {
    const app = createTestApp({ config: noFloor });
    const session = await signedInUser(app, make);
    await app.handlers.passwordForgot(make({ path: '/auth/password/forgot', body: { username: 'alice' } }), context());
    const token = app.outbox.latest('password-reset')!.message.token;
    const reset = await app.handlers.passwordReset(
      make({ path: '/auth/password/reset', body: { token, newPassword: NEW_PASSWORD } }),
      context(),
    );
    expect(reset.statusCode).toBe(204);
    const again = await app.handlers.passwordReset(
      make({ path: '/auth/password/reset', body: { token, newPassword: NEW_PASSWORD } }),
      context(),
    );
    expect(again.statusCode).toBe(400);
    expect(parse(again)).toMatchObject({ error: { code: 'ACCOUNT_TOKEN_INVALID' } });
    expect(
      (
        await app.handlers.refresh(
          make({ path: '/auth/refresh', body: { refreshToken: session.refreshToken } }),
          context(),
        )
      ).statusCode,
    ).toBe(401);
    expect(
      (await app.handlers.login(make({ body: { username: 'alice', password: NEW_PASSWORD } }), context())).statusCode,
    ).toBe(200);
    expect(app.logger.lines.join('\n')).not.toContain(token);
  });

  it('change password behind IAM: 200 with a new session; 401 unsigned, 403 for a guest, 401 for a wrong password', async () => {
    const app = createTestApp({ config: noFloor });
    const session = await signedInUser(app, make);
    const caller = { identityId: session.identityId, authenticated: true };
    const body = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD };
    expect((await app.handlers.changePassword(iamEvent(version, iamBase, null, body), context())).statusCode).toBe(401);
    const guest = await app.handlers.changePassword(
      iamEvent(version, iamBase, { ...caller, authenticated: false }, body),
      context(),
    );
    expect(guest.statusCode).toBe(403);
    const wrong = await app.handlers.changePassword(
      iamEvent(version, iamBase, caller, { ...body, currentPassword: 'not the password 1' }),
      context(),
    );
    expect(wrong.statusCode).toBe(401);
    const changed = await app.handlers.changePassword(iamEvent(version, iamBase, caller, body), context());
    expect(changed.statusCode).toBe(200);
    const result = parse(changed) as { revokedSessions: number; refreshToken: string; identityId: string };
    expect(result).toMatchObject({ revokedSessions: 1, identityId: session.identityId });
    expect(
      (
        await app.handlers.refresh(
          make({ path: '/auth/refresh', body: { refreshToken: session.refreshToken } }),
          context(),
        )
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await app.handlers.refresh(
          make({ path: '/auth/refresh', body: { refreshToken: result.refreshToken } }),
          context(),
        )
      ).statusCode,
    ).toBe(200);
    const text = app.logger.lines.join('\n');
    for (const secret of [PASSWORD, NEW_PASSWORD, result.refreshToken]) expect(text).not.toContain(secret);
  });

  it('delete account behind IAM: 204 with the password; then the identity resolves to nobody (403)', async () => {
    const app = createTestApp({ config: noFloor });
    const session = await signedInUser(app, make);
    const caller = { identityId: session.identityId, authenticated: true };
    const wrong = await app.handlers.deleteAccount(
      iamEvent(version, iamBase, caller, { password: 'not the password 1' }),
      context(),
    );
    expect(wrong.statusCode).toBe(401);
    const deleted = await app.handlers.deleteAccount(
      iamEvent(version, iamBase, caller, { password: PASSWORD }),
      context(),
    );
    expect(deleted.statusCode).toBe(204);
    expect(await app.users.findByUsername('alice')).toBeNull();
    const after = await app.handlers.deleteAccount(
      iamEvent(version, iamBase, caller, { password: PASSWORD }),
      context(),
    );
    expect(after.statusCode).toBe(403);
    expect(
      (await app.handlers.login(make({ body: { username: 'alice', password: PASSWORD } }), context())).statusCode,
    ).toBe(401);
  });

  it('refuses bodies it does not know (400) and over-long input before any work', async () => {
    const app = createTestApp({ config: noFloor });
    const smuggled = await app.handlers.passwordForgot(
      make({ path: '/auth/password/forgot', body: { username: 'alice', isAdministrator: true } }),
      context(),
    );
    expect(smuggled.statusCode).toBe(400);
    const huge = await app.handlers.passwordReset(
      make({ path: '/auth/password/reset', body: { token: 'pwr_x', newPassword: 'x'.repeat(5000) } }),
      context(),
    );
    expect(huge.statusCode).toBe(400);
  });
});

describe.each(VERSIONS)('email routes with $name events', ({ version, event: make, iamBase }) => {
  const verifyEvent = (body: unknown) => make({ path: '/auth/email/verify', body });

  it('verify email: 200 with the verified user; a spent, unknown or malformed token is 400 ACCOUNT_TOKEN_INVALID', async () => {
    const app = createTestApp({ config: noFloor });
    await signedInUser(app, make, { verified: false });
    expect((await app.users.findByUsername('alice'))?.emailVerified).toBe(false);
    const token = app.outbox.latest('email-verification', 'alice@example.com')!.message.token;
    const verified = await app.handlers.verifyEmail(verifyEvent({ token }), context());
    expect(verified.statusCode).toBe(200);
    expect(parse(verified)).toMatchObject({
      user: { username: 'alice', email: 'alice@example.com', emailVerified: true, status: 'active' },
    });
    expect(parse(verified).user).not.toHaveProperty('passwordHash');
    expect((await app.users.findByUsername('alice'))?.emailVerified).toBe(true);
    for (const refused of [token, `${token.slice(0, -2)}xx`, 'emv_short', 'pwr_not-a-verification-token']) {
      const answer = await app.handlers.verifyEmail(verifyEvent({ token: refused }), context());
      expect(answer.statusCode).toBe(400);
      expect(parse(answer)).toEqual({
        error: { code: 'ACCOUNT_TOKEN_INVALID', message: expect.any(String) },
      });
    }
    // The token is in the message only: in no response and no log line.
    expect(JSON.stringify(verified) + app.logger.lines.join('\n')).not.toContain(token);
    expect(app.logger.records.at(-1)).toMatchObject({ route: 'verifyEmail', outcome: { statusCode: 400 } });
  });

  it('verify email: bodies are bounded and strict (400), and no credentials are needed', async () => {
    const app = createTestApp({ config: noFloor });
    for (const body of [{ token: `emv_${'a'.repeat(200)}` }, { token: 'emv_x', isAdministrator: true }, {}, []]) {
      const answer = await app.handlers.verifyEmail(verifyEvent(body), context());
      expect(answer.statusCode).toBe(400);
      expect(parse(answer)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const empty = await app.handlers.verifyEmail(make({ path: '/auth/email/verify' }), context());
    expect(parse(empty)).toMatchObject({ error: { code: 'INVALID_JSON' } });
    const huge = await app.handlers.verifyEmail(verifyEvent({ token: 'x'.repeat(20_000) }), context());
    expect(huge.statusCode).toBe(413);
  });

  it('change email behind IAM: 202 { sentTo }; the address changes only once the new link is followed', async () => {
    const app = createTestApp({ config: noFloor });
    const session = await signedInUser(app, make);
    const caller = { identityId: session.identityId, authenticated: true };
    const body = { password: PASSWORD, newEmail: 'Alice.New@Example.com' };
    expect((await app.handlers.changeEmail(iamEvent(version, iamBase, null, body), context())).statusCode).toBe(401);
    const guest = await app.handlers.changeEmail(
      iamEvent(version, iamBase, { ...caller, authenticated: false }, body),
      context(),
    );
    expect(guest.statusCode).toBe(403);
    const wrong = await app.handlers.changeEmail(
      iamEvent(version, iamBase, caller, { ...body, password: 'not the password 1' }),
      context(),
    );
    expect(wrong.statusCode).toBe(401);
    expect(parse(wrong)).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });

    const changed = await app.handlers.changeEmail(iamEvent(version, iamBase, caller, body), context());
    expect(changed.statusCode).toBe(202);
    expect(parse(changed)).toEqual({ sentTo: 'alice.new@example.com' });
    // Until the link is followed, the old (verified) address stays the account's.
    expect(await app.users.findByUsername('alice')).toMatchObject({ email: 'alice@example.com', emailVerified: true });
    const verified = await followVerificationLink(app, make, 'alice.new@example.com');
    expect(verified.statusCode).toBe(200);
    expect(parse(verified)).toMatchObject({ user: { email: 'alice.new@example.com', emailVerified: true } });
    expect(app.outbox.latest('email-changed', 'alice@example.com')).toBeDefined();
    const me = parse(await app.handlers.me(iamEvent(version, iamBase, caller), context()));
    expect(me).toMatchObject({ user: { email: 'alice.new@example.com', emailVerified: true } });
    expect(app.logger.lines.join('\n')).not.toContain(PASSWORD);
  });

  it('change email: 409 EMAIL_TAKEN, 400 for a bad address or over-long input, 503 when the message fails', async () => {
    const app = createTestApp({ config: noFloor });
    const session = await signedInUser(app, make);
    const caller = { identityId: session.identityId, authenticated: true };
    await app.handlers.register(
      make({ path: '/auth/register', body: { username: 'bob', password: PASSWORD, email: 'bob@example.com' } }),
      context(),
    );
    const change = (body: unknown) => app.handlers.changeEmail(iamEvent(version, iamBase, caller, body), context());
    const taken = await change({ password: PASSWORD, newEmail: 'bob@example.com' });
    expect(taken.statusCode).toBe(409);
    expect(parse(taken)).toMatchObject({ error: { code: 'EMAIL_TAKEN' } });
    for (const body of [
      { password: PASSWORD, newEmail: 'no-at-sign' },
      { password: PASSWORD, newEmail: `${'a'.repeat(600)}@example.com` },
      { password: 'x'.repeat(5000), newEmail: 'alice2@example.com' },
      { password: PASSWORD },
      { password: PASSWORD, newEmail: 'alice2@example.com', emailVerified: true },
    ]) {
      const answer = await change(body);
      expect(answer.statusCode).toBe(400);
      expect(parse(answer)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    app.outbox.failNext(new Error('mail transport down'));
    const undelivered = await change({ password: PASSWORD, newEmail: 'alice2@example.com' });
    expect(undelivered.statusCode).toBe(503);
    expect(undelivered.headers?.['retry-after']).toBe('5');
    expect(parse(undelivered)).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(await app.users.findByUsername('alice')).toMatchObject({ email: 'alice@example.com' });
  });

  it('change email: wrong passwords are throttled like a login (429 + Retry-After)', async () => {
    const app = createTestApp({ config: { ...noFloor, throttle: { freeFailures: 2 } } });
    const session = await signedInUser(app, make);
    const caller = { identityId: session.identityId, authenticated: true };
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof app.handlers.changeEmail>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await app.handlers.changeEmail(
        iamEvent(version, iamBase, caller, { password: `not the password ${i}`, newEmail: 'alice2@example.com' }),
        context(),
      );
      statuses.push(last.statusCode);
    }
    expect(statuses.slice(0, 2)).toEqual([401, 401]);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(last!.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('resend verification behind IAM: 202 { sentTo } while unverified, 200 { alreadyVerified } after', async () => {
    const app = createTestApp({ config: noFloor });
    const session = await signedInUser(app, make, { verified: false });
    const caller = { identityId: session.identityId, authenticated: true };
    const resend = (body?: unknown) =>
      app.handlers.resendEmailVerification(iamEvent(version, iamBase, caller, body), context());
    expect((await app.handlers.resendEmailVerification(iamEvent(version, iamBase, null), context())).statusCode).toBe(
      401,
    );
    expect(
      (
        await app.handlers.resendEmailVerification(
          iamEvent(version, iamBase, { ...caller, authenticated: false }),
          context(),
        )
      ).statusCode,
    ).toBe(403);
    const first = app.outbox.latest('email-verification', 'alice@example.com')!.message.token;
    const sent = await resend();
    expect(sent.statusCode).toBe(202);
    expect(parse(sent)).toEqual({ sentTo: 'alice@example.com' });
    const second = app.outbox.latest('email-verification', 'alice@example.com')!.message.token;
    expect(second).not.toBe(first);
    // Only the newest link works.
    expect((await app.handlers.verifyEmail(verifyEvent({ token: first }), context())).statusCode).toBe(400);
    // An empty JSON object is no body either.
    expect((await resend({})).statusCode).toBe(202);
    expect((await followVerificationLink(app, make, 'alice@example.com')).statusCode).toBe(200);
    const already = await resend();
    expect(already.statusCode).toBe(200);
    expect(parse(already)).toEqual({ alreadyVerified: true });
  });

  it('resend verification: refuses a body (400) and an oversized one (413), counts per account (429)', async () => {
    const app = createTestApp({ config: { ...noFloor, emailVerificationRateLimit: { freeFailures: 2 } } });
    const session = await signedInUser(app, make, { verified: false });
    const caller = { identityId: session.identityId, authenticated: true };
    const resend = (body?: unknown) =>
      app.handlers.resendEmailVerification(iamEvent(version, iamBase, caller, body), context());
    for (const body of [{ email: 'mallory@example.com' }, [], 'text', null]) {
      const answer = await resend(body);
      expect(answer.statusCode).toBe(400);
      expect(parse(answer)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const notJson = await app.handlers.resendEmailVerification(
      { ...iamEvent(version, iamBase, caller), body: '{not json' } as never,
      context(),
    );
    expect(parse(notJson)).toMatchObject({ error: { code: 'INVALID_JSON' } });
    expect((await resend({ padding: 'x'.repeat(20_000) })).statusCode).toBe(413);
    // Nothing was sent for any refused request, and never to an address from the body.
    expect(app.outbox.sent.filter((entry) => entry.message.to !== 'alice@example.com')).toEqual([]);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await resend()).statusCode);
    expect(statuses).toEqual([202, 202, 429]);
  });

  it('resend verification: an account without an address is told to add one (400)', async () => {
    const app = createTestApp({ config: noFloor });
    await app.handlers.register(
      make({ path: '/auth/register', body: { username: 'noemail', password: PASSWORD } }),
      context(),
    );
    const login = parse(
      await app.handlers.login(make({ body: { username: 'noemail', password: PASSWORD } }), context()),
    ) as { identityId: string };
    const answer = await app.handlers.resendEmailVerification(
      iamEvent(version, iamBase, { identityId: login.identityId, authenticated: true }),
      context(),
    );
    expect(answer.statusCode).toBe(400);
    expect(parse(answer)).toMatchObject({ error: { code: 'VALIDATION_FAILED', issues: [{ path: ['email'] }] } });
  });

  it('login with requireVerifiedEmail: 403 EMAIL_NOT_VERIFIED after a correct password, 200 once verified', async () => {
    const app = createTestApp({ config: { ...noFloor, requireVerifiedEmail: true } });
    await app.handlers.register(
      make({ path: '/auth/register', body: { username: 'alice', password: PASSWORD, email: 'alice@example.com' } }),
      context(),
    );
    const login = () => app.handlers.login(make({ body: { username: 'alice', password: PASSWORD } }), context());
    const refused = await login();
    expect(refused.statusCode).toBe(403);
    expect(parse(refused)).toEqual({ error: { code: 'EMAIL_NOT_VERIFIED', message: expect.any(String) } });
    // A wrong password still gets the one 401 (the state of the address is no oracle for it).
    const wrong = await app.handlers.login(
      make({ body: { username: 'alice', password: 'not the password 1' } }),
      context(),
    );
    expect(wrong.statusCode).toBe(401);
    expect((await followVerificationLink(app, make, 'alice@example.com')).statusCode).toBe(200);
    expect((await login()).statusCode).toBe(200);
  });
});

describe.each(VERSIONS)('session routes with $name events', ({ version, event: make, iamBase }) => {
  it('lists the caller’s sessions with a coarse client, ends one, ends the others, signs out everywhere', async () => {
    const app = createTestApp({ config: noFloor });
    await app.handlers.register(
      make({ path: '/auth/register', body: { username: 'alice', password: PASSWORD } }),
      context(),
    );
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const loginFrom = async (userAgent: string, sourceIp: string) =>
      parse(
        await app.handlers.login(
          make({ body: { username: 'alice', password: PASSWORD }, headers: { 'user-agent': userAgent }, sourceIp }),
          context(),
        ),
      ) as { identityId: string; refreshToken: string };
    const laptop = await loginFrom(firefox, '203.0.113.9');
    const phone = await loginFrom('okhttp/4.12.0', '198.51.100.20');
    await loginFrom('curl/8.5.0', '192.0.2.1');
    const caller = { identityId: laptop.identityId, authenticated: true };

    const listed = parse(await app.handlers.listSessions(iamEvent(version, iamBase, caller), context())) as {
      sessions: Array<{ id: string; client: { userAgent: string; addressPrefix: string } }>;
    };
    // Logins a millisecond apart may share a timestamp: the order among them is not asserted here (the core's tests
    // check newest-first on a manual clock).
    const byAgent = (a: { client: { userAgent: string } }, b: { client: { userAgent: string } }) =>
      a.client.userAgent.localeCompare(b.client.userAgent);
    expect([...listed.sessions].sort(byAgent).map((session) => session.client)).toEqual([
      { userAgent: 'curl', addressPrefix: '192.0.2.0/24' },
      { userAgent: 'Firefox on Linux', addressPrefix: '203.0.113.0/24' },
      { userAgent: 'okhttp', addressPrefix: '198.51.100.0/24' },
    ]);
    expect(JSON.stringify(listed)).not.toContain(laptop.refreshToken);

    const curl = listed.sessions.find((session) => session.client.userAgent === 'curl')!;
    const revokeEvent = { ...iamEvent(version, iamBase, caller), pathParameters: { familyId: curl.id } };
    expect((await app.handlers.revokeSession(revokeEvent as never, context())).statusCode).toBe(204);
    const again = await app.handlers.revokeSession(revokeEvent as never, context());
    expect(again.statusCode).toBe(404);
    expect(parse(again)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });

    const others = await app.handlers.revokeOtherSessions(
      iamEvent(version, iamBase, caller, { refreshToken: laptop.refreshToken }),
      context(),
    );
    expect(parse(others)).toEqual({ revoked: 1 });
    const refresh = (token: string) =>
      app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken: token } }), context());
    expect((await refresh(phone.refreshToken)).statusCode).toBe(401);

    const everywhere = await app.handlers.signOutEverywhere(iamEvent(version, iamBase, caller), context());
    expect(parse(everywhere)).toEqual({ revoked: 1 });
    expect((await refresh(laptop.refreshToken)).statusCode).toBe(401);
    // A guest has no sessions to manage.
    const guest = await app.handlers.listSessions(
      iamEvent(version, iamBase, { ...caller, authenticated: false }),
      context(),
    );
    expect(guest.statusCode).toBe(403);
  });
});
