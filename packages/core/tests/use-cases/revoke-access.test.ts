import {
  InvalidCredentialsError,
  RefreshTokenInvalidError,
  RefreshTokenReusedError,
  RoleNotAllowedError,
  UpstreamUnavailableError,
  UserNotFoundError,
} from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

async function signedInTwice(config = {}) {
  const context = makeDevauth(config);
  const user = await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
  const first = await context.devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
  const second = await context.devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
  return { ...context, user, first, second };
}

describe('Revoking a user access', () => {
  it('revokes every session of the user and unlinks its developer login, idempotently', async () => {
    const { devauth, user, first, second, broker, events, users } = await signedInTwice();
    expect(await devauth.revokeAccess.execute(user.id)).toEqual({ revokedSessions: 2 });
    for (const session of [first, second]) {
      await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
        RefreshTokenInvalidError,
      );
    }
    expect(broker.unlinks).toEqual([{ developerUserId: user.id, identityId: first.identityId }]);
    expect(broker.identityOf(user.id)).toBeUndefined();
    expect(events.ofType('AccessRevoked')).toEqual([
      expect.objectContaining({ userId: user.id, reason: 'requested', revokedSessions: 2 }),
    ]);
    await devauth.revokeAccess.execute(user.id);
    await expect(devauth.revokeAccess.execute('no-such-user')).rejects.toBeInstanceOf(UserNotFoundError);
    // The old identity no longer resolves to the user; a new login gets (and stores) a new identity, as on Cognito.
    expect(await users.findByIdentityId(first.identityId)).toBeNull();
    const again = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect(again.identityId).not.toBe(first.identityId);
    expect((await users.findById(user.id))?.identityId).toBe(again.identityId);
  });

  it('runs when a user is disabled (and then the login fails), not when it is enabled again', async () => {
    const { devauth, user, first, broker } = await signedInTwice();
    await devauth.userAccess.setStatus(user.id, 'disabled');
    await devauth.userAccess.setStatus(user.id, 'disabled');
    expect(broker.unlinks).toHaveLength(1);
    await expect(devauth.refresh.execute({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect((await devauth.userAccess.setStatus(user.id, 'active')).status).toBe('active');
    expect(broker.unlinks).toHaveLength(1);
    await expect(devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD })).resolves.toBeDefined();
  });

  it('runs on a role change, so the old role tag cannot be refreshed, and the next login tags the new role', async () => {
    const { devauth, user, first, broker } = await signedInTwice();
    expect((await devauth.userAccess.setRole(user.id, 'seller')).role).toBe('seller');
    await expect(devauth.refresh.execute({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    const session = await devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
    expect(broker.verify(session.openIdToken)?.['https://aws.amazon.com/tags'].principal_tags).toEqual({
      role: ['seller'],
    });
    await expect(devauth.userAccess.setRole(user.id, 'superuser')).rejects.toBeInstanceOf(RoleNotAllowedError);
    await devauth.userAccess.setRole(user.id, 'seller');
    expect(broker.unlinks).toHaveLength(1);
  });

  it('keeps the new state when the unlink fails, and completes when retried', async () => {
    const { devauth, user, broker, users } = await signedInTwice();
    broker.failNext(new UpstreamUnavailableError('Cognito', 3));
    await expect(devauth.userAccess.setStatus(user.id, 'disabled')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect((await users.findById(user.id))?.status).toBe('disabled');
    await devauth.revokeAccess.execute(user.id, 'disabled');
    expect(broker.identityOf(user.id)).toBeUndefined();
  });
});

describe('Refresh-token reuse leeway', () => {
  it('is strict by default: presenting a rotated token revokes the session', async () => {
    const { devauth, first } = await signedInTwice();
    const next = await devauth.refresh.execute({ refreshToken: first.refreshToken });
    await expect(devauth.refresh.execute({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenReusedError,
    );
    await expect(devauth.refresh.execute({ refreshToken: next.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
  });

  it('with a leeway, answers a retry of a just-rotated token with another successor, and is strict after it', async () => {
    const { devauth, first, clock } = await signedInTwice({ refreshReuseLeewaySeconds: 10 });
    const lost = await devauth.refresh.execute({ refreshToken: first.refreshToken });
    clock.advance(9);
    const retried = await devauth.refresh.execute({ refreshToken: first.refreshToken });
    expect(retried.refreshToken).not.toBe(lost.refreshToken);
    await expect(devauth.refresh.execute({ refreshToken: retried.refreshToken })).resolves.toBeDefined();
    clock.advance(2);
    await expect(devauth.refresh.execute({ refreshToken: first.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenReusedError,
    );
    await expect(devauth.refresh.execute({ refreshToken: lost.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
  });
});
