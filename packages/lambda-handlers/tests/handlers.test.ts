import { ConfigurationError, UpstreamUnavailableError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import type { ApiGatewayProxyResultV1 } from '../src/events.js';
import { HANDLER_ROUTES } from '../src/routes.js';
import { context, createTestApp, iamEvent, parse, type TestApp, VERSIONS } from './support.js';

const PASSWORD = 'correct horse battery staple 42';
const OTHER_PASSWORD = 'Tr0ub4dor&3-but-longer';

async function register(app: TestApp, make: (typeof VERSIONS)[number]['event'], body: Record<string, unknown>) {
  return app.handlers.register(make({ path: '/auth/register', body }), context());
}

async function login(app: TestApp, make: (typeof VERSIONS)[number]['event'], username = 'alice', password = PASSWORD) {
  return app.handlers.login(make({ body: { username, password } }), context());
}

const meEvent = iamEvent;

describe.each(VERSIONS)('handlers with $name events', ({ version, event: make, iamBase }) => {
  it('registers (201) with the public user only, in the shape of the payload version', async () => {
    const app = createTestApp();
    const result = await register(app, make, { username: 'alice', password: PASSWORD, email: 'alice@example.com' });
    expect(result.statusCode).toBe(201);
    expect(result.isBase64Encoded).toBe(false);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(result.headers['cache-control']).toBe('no-store');
    if (version === 2) expect(result).not.toHaveProperty('multiValueHeaders');
    const body = parse(result) as { user: Record<string, unknown> };
    expect(body.user).toMatchObject({ username: 'alice', email: 'alice@example.com', role: 'shopper' });
    expect(body.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(body)).not.toMatch(/passwordHash|argon2/);
  });

  it('answers 409 for a taken username and a taken email', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD, email: 'a@example.com' });
    const sameName = await register(app, make, { username: 'Alice', password: PASSWORD });
    expect(sameName.statusCode).toBe(409);
    expect(parse(sameName)).toMatchObject({ error: { code: 'USERNAME_TAKEN' } });
    const sameEmail = await register(app, make, { username: 'bob', password: PASSWORD, email: 'a@example.com' });
    expect(sameEmail.statusCode).toBe(409);
    expect(parse(sameEmail)).toMatchObject({ error: { code: 'EMAIL_TAKEN' } });
  });

  it('answers 400 for a body that is not JSON, and for invalid fields with their issues', async () => {
    const app = createTestApp();
    const notJson = await app.handlers.register(make({ path: '/auth/register', rawBody: '{"username": ' }));
    expect(notJson.statusCode).toBe(400);
    expect(parse(notJson)).toEqual({ error: { code: 'INVALID_JSON', message: 'The request body is not valid JSON.' } });

    const empty = await app.handlers.login(make({}));
    expect(empty.statusCode).toBe(400);

    const invalid = await register(app, make, { username: 'alice', password: 42, isAdministrator: true });
    expect(invalid.statusCode).toBe(400);
    const body = parse(invalid) as { error: { code: string; issues: { path: unknown[]; code: string }[] } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['password'], code: 'invalid_type' }),
        expect.objectContaining({ code: 'unrecognized_keys' }),
      ]),
    );

    const weak = await register(app, make, { username: 'alice', password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect((parse(weak) as { error: { issues: { path: unknown[] }[] } }).error.issues[0]?.path).toEqual(['password']);
  });

  it('answers 403 for a role that needs an invitation, and 201 with a valid invitation', async () => {
    const app = createTestApp();
    const refused = await register(app, make, { username: 'sam', password: PASSWORD, role: 'seller' });
    expect(refused.statusCode).toBe(403);
    expect(parse(refused)).toMatchObject({ error: { code: 'ROLE_NOT_ALLOWED' } });
    const invitation = await app.devauth.createInvitation.execute({ role: 'seller' });
    const invited = await register(app, make, {
      username: 'sam',
      password: PASSWORD,
      role: 'seller',
      invitationCode: invitation.code,
    });
    expect(invited.statusCode).toBe(201);
    expect(parse(invited)).toMatchObject({ user: { role: 'seller' } });
    expect(app.logger.lines.join('\n')).not.toContain(invitation.code);
  });

  it('logs in (200) with tokens, ISO dates and the public user', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD });
    const result = await login(app, make);
    expect(result.statusCode).toBe(200);
    const body = parse(result) as Record<string, unknown> & { user: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(
      [
        'identityId',
        'openIdToken',
        'openIdTokenExpiresAt',
        'refreshToken',
        'refreshTokenExpiresAt',
        'role',
        'user',
      ].sort(),
    );
    expect(app.broker.verify(body.openIdToken as string)?.sub).toBe(body.identityId);
    expect(new Date(body.openIdTokenExpiresAt as string).toISOString()).toBe(body.openIdTokenExpiresAt);
    expect(new Date(body.refreshTokenExpiresAt as string).toISOString()).toBe(body.refreshTokenExpiresAt);
    expect(body.role).toBe('shopper');
    expect(body.user).toMatchObject({ username: 'alice', identityId: body.identityId });
  });

  it('accepts a base64-encoded body', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD });
    const result = await app.handlers.login(make({ body: { username: 'alice', password: PASSWORD }, base64: true }));
    expect(result.statusCode).toBe(200);
  });

  it('answers 401 with one body for a wrong password and an unknown user', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD });
    const wrong = await login(app, make, 'alice', OTHER_PASSWORD);
    const unknown = await login(app, make, 'nobody', OTHER_PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(parse(wrong)).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'Invalid username or password.' } });
  });

  it('answers a disabled account like a wrong password (401), and 403 only with revealDisabledAccounts', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD });
    const user = (await app.users.findByUsername('alice'))!;
    await app.users.update({ ...user, status: 'disabled', version: user.version + 1 });
    const result = await login(app, make);
    expect(result.statusCode).toBe(401);
    expect(parse(result)).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });

    const revealing = createTestApp({ config: { revealDisabledAccounts: true } });
    await register(revealing, make, { username: 'alice', password: PASSWORD });
    const stored = (await revealing.users.findByUsername('alice'))!;
    await revealing.users.update({ ...stored, status: 'disabled', version: stored.version + 1 });
    const revealed = await login(revealing, make);
    expect(revealed.statusCode).toBe(403);
    expect(parse(revealed)).toMatchObject({ error: { code: 'ACCOUNT_DISABLED' } });
  });

  it('answers 429 with Retry-After once the source address or username is throttled', async () => {
    const app = createTestApp({ config: { throttle: { freeFailures: 1, baseDelaySeconds: 30 } } });
    await register(app, make, { username: 'alice', password: PASSWORD });
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof login>> | undefined;
    for (let attempt = 0; attempt < 5 && !throttled; attempt++) {
      const result = await login(app, make, 'alice', OTHER_PASSWORD);
      statuses.push(result.statusCode);
      if (result.statusCode === 429) throttled = result;
    }
    expect(statuses[0]).toBe(401);
    expect(throttled?.statusCode).toBe(429);
    expect(Number(throttled?.headers['retry-after'])).toBeGreaterThan(0);
    expect(parse(throttled!)).toMatchObject({ error: { code: 'THROTTLED' } });
  });

  it('throttles by the source address of the event', async () => {
    const app = createTestApp({ config: { throttle: { freeFailures: 1, baseDelaySeconds: 30 } } });
    const ip = '198.51.100.23';
    const attempt = (username: string, sourceIp: string) =>
      app.handlers.login(make({ body: { username, password: OTHER_PASSWORD }, sourceIp }));
    expect((await attempt('user-one', ip)).statusCode).toBe(401);
    // Another username from the same address: the address key is now throttled.
    const second = await attempt('user-two', ip);
    expect(second.statusCode).toBe(429);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await attempt('user-three', '192.0.2.99');
    expect(elsewhere.statusCode).toBe(401);
  });

  it('answers 413 for a body over the bound, plain or base64, before parsing it', async () => {
    const app = createTestApp({ maxBodyBytes: 1024 });
    const big = { username: 'alice', password: 'x'.repeat(2000) };
    const plain = await app.handlers.login(make({ body: big }));
    expect(plain.statusCode).toBe(413);
    expect(parse(plain)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const encoded = await app.handlers.login(make({ body: big, base64: true }));
    expect(encoded.statusCode).toBe(413);
    // Not JSON at all, but too large: the size is refused first.
    const garbage = await app.handlers.register(make({ path: '/auth/register', rawBody: '{'.repeat(5000) }));
    expect(garbage.statusCode).toBe(413);
    // Multi-byte characters count as bytes, not characters.
    const wide = await app.handlers.login(make({ body: { username: 'alice', password: '€'.repeat(400) } }));
    expect(wide.statusCode).toBe(413);
  });

  it('answers the default 16 KiB bound', async () => {
    const app = createTestApp();
    const result = await app.handlers.register(make({ path: '/auth/register', rawBody: ' '.repeat(16 * 1024 + 1) }));
    expect(result.statusCode).toBe(413);
  });

  it('answers 503 with Retry-After when Cognito is unavailable', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD });
    app.broker.failNext(new UpstreamUnavailableError('Cognito Identity', 7));
    const result = await login(app, make);
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('7');
    expect(parse(result)).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
    app.broker.failNext(new UpstreamUnavailableError('Cognito Identity', 2));
    const guest = await app.handlers.guest(make({ path: '/auth/guest' }));
    expect(guest.statusCode).toBe(503);
    expect(guest.headers['retry-after']).toBe('2');
  });

  it('answers 500 with the correlation id and no internals for unexpected and configuration errors', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD });
    app.broker.failNext(new Error('socket hang up at 10.0.0.12 with secret s3cr3t-internal'));
    const result = await login(app, make);
    expect(result.statusCode).toBe(500);
    expect(parse(result)).toEqual({
      error: {
        code: 'INTERNAL',
        message: 'An unexpected error occurred.',
        correlationId: 'c0ffee00-1234-4abc-8def-0123456789ab',
      },
    });
    expect(result.headers['x-correlation-id']).toBe('c0ffee00-1234-4abc-8def-0123456789ab');
    expect(result.body).not.toContain('s3cr3t');
    expect(app.logger.lines.join('\n')).not.toContain('s3cr3t-internal');
    const failed = app.logger.records.at(-1)!;
    expect(failed).toMatchObject({
      level: 'ERROR',
      requestId: 'c0ffee00-1234-4abc-8def-0123456789ab',
      outcome: { statusCode: 500, errorCode: 'INTERNAL' },
    });

    app.broker.failNext(new ConfigurationError('Cognito rejected the identity pool id.'));
    const misconfigured = await app.handlers.guest(make({ path: '/auth/guest' }));
    expect(misconfigured.statusCode).toBe(500);
    // Without a Lambda context, a random correlation id is made.
    const id = (parse(misconfigured) as { error: { correlationId: string } }).error.correlationId;
    expect(id).toMatch(/\S+/);
    expect(misconfigured.body).not.toContain('identity pool');
    expect(app.logger.records.at(-1)).toMatchObject({ outcome: { statusCode: 500, errorCode: 'CONFIGURATION' } });
  });

  it('creates guests (200), rotates refresh tokens (200), refuses reuse (401) and logs out (204)', async () => {
    const app = createTestApp();
    const guest = await app.handlers.guest(make({ path: '/auth/guest' }));
    expect(guest.statusCode).toBe(200);
    const guestBody = parse(guest) as {
      identityId: string;
      role: string;
      guestLinkSecret: string;
      guestLinkExpiresAt: string;
    };
    expect(guestBody.role).toBe('guest');
    expect(guestBody.guestLinkSecret).toMatch(/^gl_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(guestBody.guestLinkExpiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    await register(app, make, { username: 'alice', password: PASSWORD });
    const body = {
      username: 'alice',
      password: PASSWORD,
      guestIdentityId: guestBody.identityId,
      guestLinkSecret: guestBody.guestLinkSecret,
    };
    const loggedIn = parse(await app.handlers.login(make({ body }))) as { refreshToken: string; identityId: string };
    expect(loggedIn.identityId).toBe(guestBody.identityId);

    const refreshed = await app.handlers.refresh(
      make({ path: '/auth/refresh', body: { refreshToken: loggedIn.refreshToken } }),
    );
    expect(refreshed.statusCode).toBe(200);
    const next = parse(refreshed) as { refreshToken: string; openIdToken: string; user?: unknown };
    expect(next.refreshToken).not.toBe(loggedIn.refreshToken);
    expect(next.user).toBeUndefined();

    const reused = await app.handlers.refresh(
      make({ path: '/auth/refresh', body: { refreshToken: loggedIn.refreshToken } }),
    );
    expect(reused.statusCode).toBe(401);
    expect(parse(reused)).toMatchObject({ error: { code: 'REFRESH_TOKEN_INVALID' } });
    expect(app.logger.records.at(-1)).toMatchObject({
      outcome: { statusCode: 401, errorCode: 'REFRESH_TOKEN_REUSED' },
    });

    const again = parse(await login(app, make)) as { refreshToken: string };
    const out = await app.handlers.logout(make({ path: '/auth/logout', body: { refreshToken: again.refreshToken } }));
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    const afterLogout = await app.handlers.refresh(
      make({ path: '/auth/refresh', body: { refreshToken: again.refreshToken } }),
    );
    expect(afterLogout.statusCode).toBe(401);
  });

  it('echoes an allowed Origin, ignores others, and answers preflights with 204', async () => {
    const app = createTestApp({ corsOrigins: ['https://app.example.com'] });
    const preflight = await app.handlers.login(
      make({
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
      }),
    );
    expect(preflight.statusCode).toBe(204);
    expect(preflight.body).toBe('');
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    // Every method a route uses (the account and admin routes have PUT and DELETE).
    const allowedMethods = preflight.headers['access-control-allow-methods']!.split(', ');
    for (const { method } of Object.values(HANDLER_ROUTES)) expect(allowedMethods).toContain(method);
    expect(preflight.headers['access-control-allow-headers']).toContain('content-type');

    const allowed = await app.handlers.guest(
      make({ path: '/auth/guest', headers: { Origin: 'https://app.example.com' } }),
    );
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers.vary).toBe('Origin');
    const other = await app.handlers.guest(make({ path: '/auth/guest', headers: { Origin: 'https://evil.example' } }));
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const errorResponse = await app.handlers.login(
      make({ rawBody: 'nope', headers: { Origin: 'https://app.example.com' } }),
    );
    expect(errorResponse.statusCode).toBe(400);
    expect(errorResponse.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('answers me for users (200), guests (200), unsigned calls (401) and identities without a user (403)', async () => {
    const app = createTestApp();
    await register(app, make, { username: 'alice', password: PASSWORD });
    const session = parse(await login(app, make)) as { identityId: string };

    const user = await app.handlers.me(
      meEvent(version, iamBase, { identityId: session.identityId, authenticated: true }),
    );
    expect(user.statusCode).toBe(200);
    expect(parse(user)).toMatchObject({
      kind: 'user',
      role: 'shopper',
      identityId: session.identityId,
      user: { username: 'alice' },
    });
    expect(user.body).not.toMatch(/passwordHash/);

    const guestId = 'us-east-1:99999999-2222-4333-8444-555555555555';
    const guest = await app.handlers.me(meEvent(version, iamBase, { identityId: guestId, authenticated: false }));
    expect(guest.statusCode).toBe(200);
    expect(parse(guest)).toEqual({ kind: 'guest', role: 'guest', identityId: guestId });

    const unsigned = await app.handlers.me(meEvent(version, iamBase, null));
    expect(unsigned.statusCode).toBe(401);
    expect(parse(unsigned)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });

    const stranger = await app.handlers.me(meEvent(version, iamBase, { identityId: guestId, authenticated: true }));
    expect(stranger.statusCode).toBe(403);
    expect(parse(stranger)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('writes one structured log line per request and never a password, token, hash or code', async () => {
    const app = createTestApp();
    const invitation = await app.devauth.createInvitation.execute({ role: 'seller' });
    await register(app, make, { username: 'alice', password: PASSWORD });
    await register(app, make, {
      username: 'sam',
      password: OTHER_PASSWORD,
      role: 'seller',
      invitationCode: invitation.code,
    });
    const session = parse(await login(app, make)) as { refreshToken: string; openIdToken: string };
    await login(app, make, 'alice', OTHER_PASSWORD);
    await login(app, make, 'nobody', PASSWORD);
    const refreshed = parse(
      await app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken: session.refreshToken } })),
    ) as { refreshToken: string; openIdToken: string };
    await app.handlers.refresh(make({ path: '/auth/refresh', body: { refreshToken: session.refreshToken } }));
    await app.handlers.logout(make({ path: '/auth/logout', body: { refreshToken: refreshed.refreshToken } }));
    await app.handlers.me(meEvent(version, iamBase, null));
    await app.handlers.register(make({ path: '/auth/register', rawBody: `{"password":"${PASSWORD}"` }));

    expect(app.logger.records).toHaveLength(10);
    for (const record of app.logger.records) {
      expect(record).toMatchObject({ message: expect.any(String), requestId: expect.any(String) });
      expect(record).toHaveProperty('route');
      expect(record).toHaveProperty('latencyMs');
      expect(record).toHaveProperty('outcome.statusCode');
    }
    const hashes = [
      (await app.users.findByUsername('alice'))!.passwordHash,
      (await app.users.findByUsername('sam'))!.passwordHash,
    ];
    const secrets = [
      PASSWORD,
      OTHER_PASSWORD,
      invitation.code,
      session.refreshToken,
      session.openIdToken,
      refreshed.refreshToken,
      refreshed.openIdToken,
      ...hashes,
      'AWS4-HMAC-SHA256',
      'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN',
    ];
    const all = app.logger.lines.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});

describe('response shapes', () => {
  it('v1 results carry statusCode, headers, body and isBase64Encoded', async () => {
    const app = createTestApp();
    const result = (await app.handlers.guest(VERSIONS[0]!.event({ path: '/auth/guest' }))) as ApiGatewayProxyResultV1;
    expect(Object.keys(result).sort()).toEqual(['body', 'headers', 'isBase64Encoded', 'statusCode']);
  });
});
