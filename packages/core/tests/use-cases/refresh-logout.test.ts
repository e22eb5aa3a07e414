import {
  AccountDisabledError,
  nextVersion,
  RefreshTokenInvalidError,
  RefreshTokenReusedError,
  UpstreamUnavailableError,
  ValidationError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

async function loggedIn(config = {}) {
  const context = makeDevauth(config);
  const user = await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
  const session = await context.devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
  return { ...context, user, session };
}

describe('Use case: RefreshSession', () => {
  it('rotates: a fresh OpenID token for the same identity and a new refresh token', async () => {
    const { devauth, session, broker, clock } = await loggedIn();
    clock.advance(600);
    const refreshed = await devauth.refresh.execute({ refreshToken: session.refreshToken });
    expect(refreshed.identityId).toBe(session.identityId);
    expect(refreshed.refreshToken).not.toBe(session.refreshToken);
    expect(refreshed.openIdToken).not.toBe(session.openIdToken);
    expect(broker.verify(refreshed.openIdToken)?.sub).toBe(session.identityId);
    expect(refreshed.openIdTokenExpiresAt).toEqual(new Date(clock.now().getTime() + 900_000));
    await expect(devauth.refresh.execute({ refreshToken: refreshed.refreshToken })).resolves.toBeDefined();
  });

  it('carries the user current role, not the role at login', async () => {
    const { devauth, session, users, user, clock, broker } = await loggedIn();
    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { role: 'seller' }, clock.now()));
    const refreshed = await devauth.refresh.execute({ refreshToken: session.refreshToken });
    expect(refreshed.role).toBe('seller');
    expect(broker.calls.at(-1)?.principalTags).toEqual({ role: 'seller' });
  });

  it('revokes the whole family when a rotated token comes back', async () => {
    const { devauth, session, events } = await loggedIn();
    const second = await devauth.refresh.execute({ refreshToken: session.refreshToken });
    await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenReusedError,
    );
    // The legitimate holder's newer token died with the family.
    await expect(devauth.refresh.execute({ refreshToken: second.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    expect(events.ofType('RefreshTokenReuseDetected')).toHaveLength(1);
  });

  it('lets exactly one of 20 parallel refreshes with one token win', async () => {
    const { devauth, session } = await loggedIn();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => devauth.refresh.execute({ refreshToken: session.refreshToken })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const reasons = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(reasons.every((reason) => reason instanceof RefreshTokenReusedError)).toBe(true);
  });

  it('refuses expired, unknown and malformed tokens, and never extends past the session maximum', async () => {
    const { devauth, session, clock } = await loggedIn({ refreshTokenTtlSeconds: 3600, sessionMaxAgeSeconds: 5000 });
    await expect(devauth.refresh.execute({ refreshToken: `rt_${'A'.repeat(43)}` })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    await expect(devauth.refresh.execute({ refreshToken: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
    await expect(devauth.refresh.execute({ refreshToken: 'x'.repeat(10_000) })).rejects.toBeInstanceOf(ValidationError);
    clock.advance(3000);
    const second = await devauth.refresh.execute({ refreshToken: session.refreshToken });
    expect(second.refreshTokenExpiresAt).toEqual(
      new Date(session.refreshTokenExpiresAt.getTime() - 3600_000 + 5000_000),
    );
    clock.advance(2000);
    await expect(devauth.refresh.execute({ refreshToken: second.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
  });

  it('keeps the token valid when the identity pool is down, so the client can retry', async () => {
    const { devauth, session, broker } = await loggedIn();
    broker.failNext(new UpstreamUnavailableError('cognito-identity', 1));
    await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).resolves.toBeDefined();
  });

  it('ends the sessions of a disabled or deleted user', async () => {
    const { devauth, session, users, user, clock } = await loggedIn();
    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { status: 'disabled' }, clock.now()));
    // Like an invalid token by default; ACCOUNT_DISABLED only with revealDisabledAccounts.
    await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    const revealing = await loggedIn({ revealDisabledAccounts: true });
    const revealed = (await revealing.users.findById(revealing.user.id))!;
    await revealing.users.update(nextVersion(revealed, { status: 'disabled' }, revealing.clock.now()));
    await expect(
      revealing.devauth.refresh.execute({ refreshToken: revealing.session.refreshToken }),
    ).rejects.toBeInstanceOf(AccountDisabledError);
    const other = await loggedIn();
    await other.users.delete(other.user.id);
    await expect(other.devauth.refresh.execute({ refreshToken: other.session.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
  });
});

describe('Use case: Logout', () => {
  it('revokes the refresh-token family, and is idempotent', async () => {
    const { devauth, session, events } = await loggedIn();
    const second = await devauth.refresh.execute({ refreshToken: session.refreshToken });
    await devauth.logout.execute({ refreshToken: second.refreshToken });
    await devauth.logout.execute({ refreshToken: second.refreshToken });
    await devauth.logout.execute({ refreshToken: `rt_${'B'.repeat(43)}` });
    await expect(devauth.refresh.execute({ refreshToken: second.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    expect(events.ofType('LoggedOut')).toHaveLength(1);
  });

  it('leaves other sessions of the same user alone', async () => {
    const { devauth, session } = await loggedIn();
    const other = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    await devauth.logout.execute({ refreshToken: session.refreshToken });
    await expect(devauth.refresh.execute({ refreshToken: other.refreshToken })).resolves.toBeDefined();
  });
});

describe('Use case: CreateGuestIdentity', () => {
  it('returns a new unauthenticated identity each time', async () => {
    const { devauth } = makeDevauth();
    const first = await devauth.guest.execute();
    const second = await devauth.guest.execute();
    expect(first.role).toBe('guest');
    expect(first.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(second.identityId).not.toBe(first.identityId);
  });
});
