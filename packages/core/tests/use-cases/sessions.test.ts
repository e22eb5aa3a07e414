import { RefreshTokenInvalidError, SessionNotFoundError, ValidationError } from '@devauth/core';
import { describe, expect, it } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

const phoneHint = { userAgent: 'Safari on iOS', addressPrefix: '198.51.100.0/24' };
const laptopHint = { userAgent: 'Firefox on Linux', addressPrefix: '203.0.113.0/24' };

async function twoDevices() {
  const context = makeDevauth();
  const user = await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
  const login = { username: 'alice', password: STRONG_PASSWORD };
  const phone = await context.devauth.login.execute(login, { clientHint: phoneHint });
  context.clock.advance(60_000);
  const laptop = await context.devauth.login.execute(login, { clientHint: laptopHint });
  return { ...context, user, phone, laptop, me: { userId: user.id } };
}

describe('Managing sessions', () => {
  it('lists the live sessions, most recently used first, with when they started and their client hint', async () => {
    const { devauth, me, phone, clock } = await twoDevices();
    clock.advance(60_000);
    await devauth.refresh.execute({ refreshToken: phone.refreshToken });
    const sessions = await devauth.sessions.list(me);
    expect(sessions.map((session) => session.clientHint)).toEqual([phoneHint, laptopHint]);
    const [refreshed, other] = sessions;
    expect(refreshed!.createdAt.getTime()).toBeLessThan(refreshed!.lastUsedAt.getTime());
    expect(other!.createdAt).toEqual(other!.lastUsedAt);
    // Nothing a session list shows is a secret.
    expect(JSON.stringify(sessions)).not.toContain(phone.refreshToken);
  });

  it('ends one session: its refresh token is refused, the other keeps working', async () => {
    const { devauth, me, phone, laptop } = await twoDevices();
    const laptopSession = (await devauth.sessions.list(me)).find((s) => s.clientHint?.userAgent === 'Firefox on Linux');
    await devauth.sessions.revoke(laptopSession!.familyId, me);
    await expect(devauth.refresh.execute({ refreshToken: laptop.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    await expect(devauth.refresh.execute({ refreshToken: phone.refreshToken })).resolves.toBeDefined();
    expect((await devauth.sessions.list(me)).map((s) => s.clientHint)).toEqual([phoneHint]);
    // Ended, unknown or another user's: one answer, nothing ended.
    await expect(devauth.sessions.revoke(laptopSession!.familyId, me)).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(devauth.sessions.revoke('no-such-family', me)).rejects.toBeInstanceOf(SessionNotFoundError);
  });

  it("cannot see or end another user's session", async () => {
    const { devauth, me, phone } = await twoDevices();
    const bob = await devauth.register.execute({ username: 'bob', password: STRONG_PASSWORD });
    const alices = await devauth.sessions.list(me);
    expect(await devauth.sessions.list({ userId: bob.id })).toEqual([]);
    await expect(devauth.sessions.revoke(alices[0]!.familyId, { userId: bob.id })).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    await expect(
      devauth.sessions.revokeOthers({ refreshToken: phone.refreshToken }, { userId: bob.id }),
    ).rejects.toBeInstanceOf(SessionNotFoundError);
    expect(await devauth.sessions.list(me)).toHaveLength(2);
  });

  it('ends every other session, keeping the one the caller names by its refresh token', async () => {
    const { devauth, me, phone, laptop, events } = await twoDevices();
    expect(await devauth.sessions.revokeOthers({ refreshToken: phone.refreshToken }, me)).toEqual({ revoked: 1 });
    await expect(devauth.refresh.execute({ refreshToken: laptop.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenInvalidError,
    );
    await expect(devauth.refresh.execute({ refreshToken: phone.refreshToken })).resolves.toBeDefined();
    expect(events.ofType('SessionsEnded')).toEqual([expect.objectContaining({ userId: me.userId, count: 1 })]);
    await expect(devauth.sessions.revokeOthers({ refreshToken: 'x'.repeat(129) }, me)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('signs out everywhere', async () => {
    const { devauth, me, phone, laptop } = await twoDevices();
    expect(await devauth.sessions.revokeAll(me)).toEqual({ revoked: 2 });
    for (const session of [phone, laptop]) {
      await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
        RefreshTokenInvalidError,
      );
    }
    expect(await devauth.sessions.list(me)).toEqual([]);
  });
});
