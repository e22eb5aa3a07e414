import { describe, expect, it } from 'vitest';
import { context, createTestApp, iamEvent, parse, type TestApp, VERSIONS } from './support.js';

const PASSWORD = 'correct horse battery staple 42';
const NEW_PASSWORD = 'an entirely new passphrase 17';
const noFloor = { passwordResetResponseFloorMs: 0 };

async function signedInUser(app: TestApp, make: (typeof VERSIONS)[number]['event']) {
  await app.handlers.register(
    make({ path: '/auth/register', body: { username: 'alice', password: PASSWORD, email: 'alice@example.com' } }),
    context(),
  );
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
    expect(app.outbox.sent.map((entry) => entry.message.to)).toEqual(['alice@example.com']);
    // The token is in the message only: in no response and no log line.
    const token = app.outbox.latest('password-reset')!.message.token;
    expect(JSON.stringify([known, unknown]) + app.logger.lines.join('\n')).not.toContain(token);
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
