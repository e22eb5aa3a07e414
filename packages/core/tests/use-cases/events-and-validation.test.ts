import {
  type DomainEvent,
  nextVersion,
  publishSafely,
  RefreshTokenReusedError,
  type ValidationError,
} from '@devauth/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeDevauth, STRONG_PASSWORD } from '../support.js';

async function loggedIn() {
  const context = makeDevauth();
  const user = await context.devauth.register.execute({ username: 'alice', password: STRONG_PASSWORD });
  const session = await context.devauth.login.execute({ username: 'alice', password: STRONG_PASSWORD });
  return { ...context, user, session };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason as ValidationError,
  );

describe('Events of the session use cases', () => {
  it('announces a refresh with the user and the session family, and a guest identity with its id', async () => {
    const { devauth, session, user, events, clock } = await loggedIn();
    await devauth.refresh.execute({ refreshToken: session.refreshToken });
    const [refreshed] = events.ofType('SessionRefreshed');
    expect(refreshed).toEqual({
      type: 'SessionRefreshed',
      at: clock.now(),
      userId: user.id,
      familyId: expect.any(String),
    });
    await devauth.logout.execute({ refreshToken: session.refreshToken });
    expect(events.ofType('LoggedOut')).toEqual([
      { type: 'LoggedOut', at: clock.now(), userId: user.id, familyId: refreshed?.familyId },
    ]);
    const guest = await devauth.guest.execute();
    expect(events.ofType('GuestIdentityCreated')).toEqual([
      { type: 'GuestIdentityCreated', at: clock.now(), identityId: guest.identityId },
    ]);
  });

  it('mints no OpenID token for a token that was already rotated', async () => {
    const { devauth, session, broker } = await loggedIn();
    await devauth.refresh.execute({ refreshToken: session.refreshToken });
    const calls = broker.calls.length;
    await expect(devauth.refresh.execute({ refreshToken: session.refreshToken })).rejects.toBeInstanceOf(
      RefreshTokenReusedError,
    );
    expect(broker.calls).toHaveLength(calls);
  });

  it("asks the broker for the user's current IdentityId, not the one the token was issued for", async () => {
    const { devauth, session, users, user, clock, broker } = await loggedIn();
    const stored = (await users.findById(user.id))!;
    await users.update(nextVersion(stored, { identityId: 'us-east-1:relinked' }, clock.now()));
    await devauth.refresh.execute({ refreshToken: session.refreshToken });
    expect(broker.calls.at(-1)?.identityId).toBe('us-east-1:relinked');
  });

  it('says which field is malformed: refresh and logout tokens, register username and email', async () => {
    const { devauth, hasher } = makeDevauth();
    const notAToken = { path: ['refreshToken'], code: 'invalid_format', message: 'is not a refresh token' };
    // An invitation code is no refresh token.
    const invitation = await devauth.createInvitation.execute({ role: 'seller' });
    for (const refreshToken of ['garbage', invitation.code, `rt_${'A'.repeat(42)}`]) {
      expect((await rejection(devauth.refresh.execute({ refreshToken }))).issues).toEqual([notAToken]);
      expect((await rejection(devauth.logout.execute({ refreshToken }))).issues).toEqual([notAToken]);
    }
    expect((await rejection(devauth.logout.execute({}))).issues).toMatchObject([{ path: ['refreshToken'] }]);
    expect((await rejection(devauth.register.execute({ username: 'x', password: STRONG_PASSWORD }))).issues).toEqual([
      { path: ['username'], code: 'too_short', message: 'must be at least 3 characters' },
    ]);
    expect(
      (await rejection(devauth.register.execute({ username: 'xavier', password: STRONG_PASSWORD, email: 'x@y' })))
        .issues,
    ).toEqual([
      { path: ['email'], code: 'invalid_email', message: 'must be a valid email address of at most 254 characters' },
    ]);
    expect(
      (await rejection(devauth.register.execute({ username: 'xavier', password: STRONG_PASSWORD, extra: 1 }))).issues,
    ).toMatchObject([{ path: [], code: 'unrecognized_keys' }]);
    expect(
      (await rejection(devauth.register.execute({ username: 'xavier', password: STRONG_PASSWORD, role: 7 }))).issues,
    ).toMatchObject([{ path: ['role'], code: 'invalid_type' }]);
    expect(hasher.hashes).toBe(0);
  });
});

describe('Function: publishSafely', () => {
  const event: DomainEvent = { type: 'GuestIdentityCreated', at: new Date(0), identityId: 'us-east-1:x' };

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reports a sink that throws, or rejects, to onError and never to the caller', async () => {
    const thrown = new Error('sink down');
    const reported: [unknown, DomainEvent][] = [];
    const onError = (error: unknown, failed: DomainEvent) => reported.push([error, failed]);
    expect(() =>
      publishSafely(
        {
          publish: () => {
            throw thrown;
          },
        },
        event,
        onError,
      ),
    ).not.toThrow();
    publishSafely({ publish: () => Promise.reject(thrown) }, event, onError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(reported).toEqual([
      [thrown, event],
      [thrown, event],
    ]);
  });

  it('warns by default, naming the event type and nothing else', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    publishSafely({ publish: () => Promise.reject(new Error('secret detail')) }, event);
    publishSafely(
      {
        publish: () => {
          throw new Error('secret detail');
        },
      },
      event,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(warn.mock.calls).toEqual([
      ['devauth: event sink failed to publish GuestIdentityCreated'],
      ['devauth: event sink failed to publish GuestIdentityCreated'],
    ]);
  });

  it('does not report a sink that succeeds, synchronously or not', async () => {
    const reported: unknown[] = [];
    publishSafely({ publish: () => undefined }, event, (error) => reported.push(error));
    publishSafely({ publish: async () => undefined }, event, (error) => reported.push(error));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reported).toEqual([]);
  });
});
