import { ManualClock } from '@devauth/core/testing';
import { describe, expect, it } from 'vitest';
import { createGuard, EXAMPLE_ACCESS_TABLE } from '../../src/access/index.js';
import {
  fixture,
  GUEST_IDENTITY,
  httpEvent,
  IDENTITIES,
  POOL_ID,
  restEvent,
  seededStore,
  userRecord,
} from './support.js';

const OTHER_POOL = 'eu-west-1:99999999-2222-3333-4444-555555555555';

async function setup(options: { cacheTtlSeconds?: number; identityPoolId?: string } = {}) {
  const seeded = await seededStore();
  const clock = new ManualClock('2026-11-24T07:00:00.000Z');
  const guard = createGuard({
    table: EXAMPLE_ACCESS_TABLE,
    users: seeded.users,
    clock,
    identityPoolId: POOL_ID,
    ...options,
  });
  return { ...seeded, clock, guard };
}

describe('createGuard', () => {
  it('allows a seller to DELETE /products/{id} from the v1 and v2 fixtures', async () => {
    const { guard } = await setup({ identityPoolId: POOL_ID });
    const caller = { kind: 'user', identityId: IDENTITIES.seller, userId: 'user-seller', role: 'seller' };
    expect(await guard.authorize(fixture('rest-v1-authenticated'))).toEqual({ allowed: true, caller });
    expect(await guard.authorize(fixture('http-v2-authenticated'))).toEqual({ allowed: true, caller });
  });

  it('treats unauthenticated identities as guests without a store lookup', async () => {
    const { guard, calls } = await setup();
    const caller = { kind: 'guest', identityId: GUEST_IDENTITY, role: 'guest' };
    expect(await guard.authorize(fixture('rest-v1-unauthenticated'))).toEqual({ allowed: true, caller });
    expect(await guard.authorize(fixture('http-v2-unauthenticated'))).toEqual({ allowed: true, caller });
    expect(calls).toEqual([]);
    const denied = await guard.authorize(restEvent('GET', '/orders', GUEST_IDENTITY, false));
    expect(denied).toMatchObject({ allowed: false, statusCode: 403, caller });
  });

  it('answers 401 without an identity', async () => {
    const { guard } = await setup();
    for (const event of [restEvent('GET', '/products', null, false), httpEvent('GET', '/products', null, false), {}]) {
      expect(await guard.authorize(event)).toMatchObject({ allowed: false, statusCode: 401, caller: null });
    }
  });

  it('answers 401 for another identity pool when one is configured', async () => {
    const { guard } = await setup({ identityPoolId: OTHER_POOL });
    expect(await guard.authorize(fixture('http-v2-unauthenticated'))).toMatchObject({
      allowed: false,
      statusCode: 401,
    });
    const missingPool = fixture('rest-v1-authenticated');
    missingPool.requestContext.identity.cognitoIdentityPoolId = null;
    expect(await guard.authorize(missingPool)).toMatchObject({ allowed: false, statusCode: 401 });
  });

  it('answers 401, not a crash, for forged or malformed identity fields', async () => {
    const { guard, calls } = await setup();
    const forged = [
      (() => {
        const e = fixture('rest-v1-authenticated');
        e.requestContext.identity.cognitoIdentityId = { $ne: null };
        return e;
      })(),
      (() => {
        const e = fixture('rest-v1-authenticated');
        e.requestContext.identity.cognitoAuthenticationType = ['authenticated'];
        return e;
      })(),
      (() => {
        const e = fixture('http-v2-authenticated');
        e.requestContext.authorizer.iam.cognitoIdentity.amr = null;
        return e;
      })(),
      (() => {
        const e = fixture('http-v2-authenticated');
        e.requestContext.authorizer.iam.cognitoIdentity.identityId = '__proto__';
        return e;
      })(),
      { requestContext: null },
      'not an event',
    ];
    for (const event of forged) {
      expect(await guard.authorize(event)).toMatchObject({ allowed: false, statusCode: 401, caller: null });
    }
    expect(calls).toEqual([]);
  });

  it('answers 403 for unknown and disabled users', async () => {
    const { guard } = await setup();
    expect(await guard.authorize(httpEvent('GET', '/products', IDENTITIES.unknown, true))).toEqual({
      allowed: false,
      statusCode: 403,
      caller: null,
      reason: 'No user is linked to this identity.',
    });
    expect(await guard.authorize(restEvent('GET', '/products', IDENTITIES.disabled, true))).toMatchObject({
      allowed: false,
      statusCode: 403,
      reason: 'The user is disabled.',
    });
  });

  it('answers 403 for unknown routes and roles not in the table', async () => {
    const { guard } = await setup();
    expect(await guard.authorize(restEvent('GET', '/admin', IDENTITIES.seller, true))).toMatchObject({
      allowed: false,
      statusCode: 403,
      reason: 'Unknown route.',
      caller: { kind: 'user', role: 'seller' },
    });
    expect(await guard.authorize(httpEvent('POST', '/products', IDENTITIES.shopper, true))).toMatchObject({
      allowed: false,
      statusCode: 403,
      caller: { kind: 'user', userId: 'user-shopper', role: 'shopper' },
    });
  });

  it('uses the explicit route argument over the event', async () => {
    const { guard } = await setup();
    const event = fixture('http-v2-authenticated');
    expect((await guard.authorize(event, { method: 'GET', path: '/orders' })).allowed).toBe(true);
    expect(await guard.authorize(event, { method: 'PUT', path: '/orders' })).toMatchObject({ statusCode: 403 });
    // A routeless event with an explicit route still works (e.g. behind a greedy proxy).
    const proxy = restEvent('GET', '/products', IDENTITIES.shopper, true);
    proxy.resource = '/{proxy+}';
    proxy.path = '/orders';
    expect((await guard.authorize(proxy)).allowed).toBe(true);
  });

  it('caches found and missing users: a cache hit avoids a second lookup', async () => {
    const { guard, calls } = await setup();
    await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.shopper, true));
    await guard.authorize(restEvent('GET', '/products', IDENTITIES.shopper, true));
    await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.unknown, true));
    await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.unknown, true));
    expect(calls).toEqual([IDENTITIES.shopper, IDENTITIES.unknown]);
  });

  it('shares one lookup between concurrent requests', async () => {
    const { guard, calls } = await setup();
    const decisions = await Promise.all(
      Array.from({ length: 5 }, () => guard.authorize(httpEvent('GET', '/orders', IDENTITIES.seller, true))),
    );
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('expires cache entries after cacheTtlSeconds, so role changes and disables take effect', async () => {
    const { guard, calls, clock, store } = await setup({ cacheTtlSeconds: 30 });
    const event = () => httpEvent('POST', '/products', IDENTITIES.shopper, true);
    expect((await guard.authorize(event())).allowed).toBe(false);
    const shopper = (await store.findById('user-shopper'))!;
    await store.update({ ...shopper, role: 'seller', version: shopper.version + 1 });
    clock.advance(29);
    expect((await guard.authorize(event())).allowed).toBe(false);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    expect((await guard.authorize(event())).allowed).toBe(true);
    expect(calls).toHaveLength(2);

    // A negative entry expires too: a user linked later is seen after the TTL.
    await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.unknown, true));
    await store.create(userRecord('user-late', 'shopper', IDENTITIES.unknown));
    expect((await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.unknown, true))).allowed).toBe(false);
    clock.advance(30);
    expect((await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.unknown, true))).allowed).toBe(true);
  });

  it('does not cache with cacheTtlSeconds 0, and rejects a negative TTL', async () => {
    const { guard, calls } = await setup({ cacheTtlSeconds: 0 });
    await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.seller, true));
    await guard.authorize(httpEvent('GET', '/orders', IDENTITIES.seller, true));
    expect(calls).toHaveLength(2);
    expect(() =>
      createGuard({
        table: EXAMPLE_ACCESS_TABLE,
        users: { findByIdentityId: async () => null },
        identityPoolId: POOL_ID,
        cacheTtlSeconds: -1,
      }),
    ).toThrow(/cacheTtlSeconds/);
  });

  it('requires the identity pool id, so an identity of any other pool never resolves to a user', () => {
    const users = { findByIdentityId: async () => null };
    for (const identityPoolId of [undefined, '', 'not-a-pool', `${POOL_ID}\n`]) {
      expect(() =>
        createGuard({ table: EXAMPLE_ACCESS_TABLE, users, identityPoolId: identityPoolId as unknown as string }),
      ).toThrow(/identityPoolId is required/);
    }
  });

  it('keeps the cache bounded (oldest entry evicted)', async () => {
    let lookups = 0;
    const guard = createGuard({
      table: EXAMPLE_ACCESS_TABLE,
      identityPoolId: POOL_ID,
      users: {
        findByIdentityId: async () => {
          lookups++;
          return null;
        },
      },
    });
    const id = (n: number) => `eu-west-1:00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    for (let n = 0; n <= 10_000; n++) await guard.authorize(httpEvent('GET', '/orders', id(n), true));
    expect(lookups).toBe(10_001);
    await guard.authorize(httpEvent('GET', '/orders', id(10_000), true));
    expect(lookups).toBe(10_001);
    await guard.authorize(httpEvent('GET', '/orders', id(0), true));
    expect(lookups).toBe(10_002);
  });

  it('propagates store failures without caching them', async () => {
    let fail = true;
    const guard = createGuard({
      table: EXAMPLE_ACCESS_TABLE,
      identityPoolId: POOL_ID,
      users: {
        findByIdentityId: async (identityId) => {
          if (fail) throw new Error('store down');
          return userRecord('u1', 'seller', identityId);
        },
      },
    });
    const event = httpEvent('GET', '/orders', IDENTITIES.seller, true);
    await expect(guard.authorize(event)).rejects.toThrow('store down');
    fail = false;
    expect((await guard.authorize(event)).allowed).toBe(true);
  });
});
