import { UpstreamUnavailableError } from '@devauth/core';
import { FakeIdentityBroker, ManualClock, RecordingEventSink } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';

const request = (developerUserId: string, identityId?: string) => ({
  developerUserId,
  identityId,
  principalTags: { role: 'shopper' },
  tokenDurationSeconds: 900,
});

describe('Test double: FakeIdentityBroker', () => {
  it("mints a Cognito-shaped token for the user's stable identity, expiring after the requested duration", async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.500Z');
    const broker = new FakeIdentityBroker({ clock, region: 'eu-west-1', developerProviderName: 'login.example' });
    const first = await broker.getTokenForUser(request('user-1'));
    expect(first.identityId).toMatch(/^eu-west-1:[0-9a-f-]{36}$/);
    expect(first.identityReplaced).toBe(false);
    const iat = Math.floor(clock.now().getTime() / 1000);
    expect(first.expiresAt).toEqual(new Date((iat + 900) * 1000));
    expect(broker.verify(first.token)).toEqual({
      iss: 'https://cognito-identity.amazonaws.com',
      aud: broker.identityPoolId,
      sub: first.identityId,
      amr: ['authenticated', 'login.example', `login.example:${broker.identityPoolId}:user-1`],
      iat,
      exp: iat + 900,
      'https://aws.amazon.com/tags': { principal_tags: { role: ['shopper'] } },
    });
    expect(broker.identityPoolId).toBe('eu-west-1:00000000-0000-4000-8000-000000000000');
    clock.advance(60);
    const second = await broker.getTokenForUser(request('user-1'));
    expect(second.identityId).toBe(first.identityId);
    expect(broker.identityOf('user-1')).toBe(first.identityId);
    expect(broker.calls).toEqual([request('user-1'), request('user-1')]);
  });

  it('links a guest identity in place once, and replaces an identity the user does not own', async () => {
    const broker = new FakeIdentityBroker();
    const guest = await broker.createGuestIdentity();
    const linked = await broker.getTokenForUser(request('user-1', guest.identityId));
    expect(linked).toMatchObject({ identityId: guest.identityId, identityReplaced: false });
    // The guest identity now belongs to user-1: another user asking for it gets a new one, flagged as replaced.
    const other = await broker.getTokenForUser(request('user-2', guest.identityId));
    expect(other.identityId).not.toBe(guest.identityId);
    expect(other.identityReplaced).toBe(true);
    // A known user keeps its own identity whatever it asks for.
    const again = await broker.getTokenForUser(request('user-1', other.identityId));
    expect(again).toMatchObject({ identityId: guest.identityId, identityReplaced: true });
    expect(new FakeIdentityBroker().identityPoolId).toBe('us-east-1:00000000-0000-4000-8000-000000000000');
  });

  it('defaults to us-east-1 and the login.devauth.test provider, in an HS256 JWT', async () => {
    const broker = new FakeIdentityBroker();
    const { token, identityId } = await broker.getTokenForUser(request('user-1'));
    expect(identityId).toMatch(/^us-east-1:/);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'))).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    expect(broker.verify(token)?.amr).toEqual([
      'authenticated',
      'login.devauth.test',
      `login.devauth.test:${broker.identityPoolId}:user-1`,
    ]);
  });

  it('refuses tokens it did not mint, or that were altered', async () => {
    const broker = new FakeIdentityBroker();
    const { token } = await broker.getTokenForUser(request('user-1'));
    const [header, payload, signature] = token.split('.');
    expect(broker.verify(token)).not.toBeNull();
    expect(await new FakeIdentityBroker().getTokenForUser(request('user-1')).then((t) => broker.verify(t.token))).toBe(
      null,
    );
    const forged = Buffer.from(JSON.stringify({ sub: 'us-east-1:someone-else' })).toString('base64url');
    expect(broker.verify(`${header}.${forged}.${signature}`)).toBeNull();
    expect(broker.verify(`${header}.${payload}`)).toBeNull();
    expect(broker.verify(`.${payload}.${signature}`)).toBeNull();
    expect(broker.verify('')).toBeNull();
  });

  it('fails the next `count` calls of any operation with the injected error, then recovers', async () => {
    const broker = new FakeIdentityBroker();
    const outage = new UpstreamUnavailableError('cognito-identity', 1);
    broker.failNext(outage, 2);
    await expect(broker.createGuestIdentity()).rejects.toBe(outage);
    await expect(broker.getTokenForUser(request('user-1'))).rejects.toBe(outage);
    await expect(broker.getTokenForUser(request('user-1'))).resolves.toBeDefined();
    broker.failNext(outage);
    await expect(broker.removeIdentity({ developerUserId: 'user-1', identityId: 'x' })).rejects.toBe(outage);
    await expect(broker.createGuestIdentity()).resolves.toBeDefined();
    // Failed calls are not recorded.
    expect(broker.calls).toHaveLength(1);
  });

  it('removes an identity: unlinks its user only if it is theirs, and remembers the removal', async () => {
    const broker = new FakeIdentityBroker();
    const { identityId } = await broker.getTokenForUser(request('user-1'));
    await broker.removeIdentity({ developerUserId: 'user-1', identityId: 'us-east-1:not-theirs' });
    expect(broker.identityOf('user-1')).toBe(identityId);
    expect(broker.isRemoved('us-east-1:not-theirs')).toBe(true);
    await broker.removeIdentity({ developerUserId: 'user-1', identityId });
    expect(broker.identityOf('user-1')).toBeUndefined();
    expect(broker.isRemoved(identityId)).toBe(true);
    // Idempotent, and the next login gets a fresh identity.
    await broker.removeIdentity({ developerUserId: 'user-1', identityId });
    expect((await broker.getTokenForUser(request('user-1'))).identityId).not.toBe(identityId);
  });
});

describe('Test doubles: ManualClock and RecordingEventSink', () => {
  it('moves the clock only when told, by seconds or to a date', () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    expect(clock.now()).toEqual(new Date('2026-03-01T10:00:00.000Z'));
    clock.advance(1.5);
    expect(clock.now()).toEqual(new Date('2026-03-01T10:00:01.500Z'));
    clock.set('2027-01-01T00:00:00.000Z');
    expect(clock.now()).toEqual(new Date('2027-01-01T00:00:00.000Z'));
    expect(new ManualClock().now()).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    // now() hands out copies: a caller mutating its Date does not move the clock.
    clock.now().setFullYear(1999);
    expect(clock.now().getUTCFullYear()).toBe(2027);
  });

  it('records events in order and filters them by type', () => {
    const sink = new RecordingEventSink();
    const at = new Date('2026-03-01T10:00:00.000Z');
    sink.publish({ type: 'GuestIdentityCreated', at, identityId: 'us-east-1:a' });
    sink.publish({ type: 'LoggedOut', at, userId: 'u', familyId: 'f' });
    sink.publish({ type: 'GuestIdentityCreated', at, identityId: 'us-east-1:b' });
    expect(sink.events.map((event) => event.type)).toEqual([
      'GuestIdentityCreated',
      'LoggedOut',
      'GuestIdentityCreated',
    ]);
    expect(sink.ofType('GuestIdentityCreated').map((event) => event.identityId)).toEqual([
      'us-east-1:a',
      'us-east-1:b',
    ]);
    expect(sink.ofType('LoginSucceeded')).toEqual([]);
  });
});
